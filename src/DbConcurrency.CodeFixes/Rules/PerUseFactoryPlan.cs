using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.FindSymbols;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// Decides whether a static database object can be turned into a per-use factory, and if so how:
/// the creation expression to move, the static-constructor statements to drop, and every member
/// whose uses must create, open and dispose their own instance. Returns nothing rather than a plan
/// that would change what the code does (the object escapes, is reassigned, spans members through a
/// transaction, or is an in-memory database that would vanish between uses).
/// </summary>
internal sealed class PerUseFactoryPlan
{
    private PerUseFactoryPlan(
        Document document,
        ITypeSymbol memberType,
        SyntaxNode declaration,
        ExpressionSyntax creation,
        ImmutableArray<StatementSyntax> removedStatements,
        bool openAtUse,
        ImmutableArray<UseSite> useSites,
        string factoryName)
    {
        Document = document;
        MemberType = memberType;
        Declaration = declaration;
        Creation = creation;
        RemovedStatements = removedStatements;
        OpenAtUse = openAtUse;
        UseSites = useSites;
        FactoryName = factoryName;
    }

    public Document Document { get; }

    public ITypeSymbol MemberType { get; }

    /// <summary>The <see cref="VariableDeclaratorSyntax"/> or <see cref="PropertyDeclarationSyntax"/>.</summary>
    public SyntaxNode Declaration { get; }

    /// <summary>The expression that created the shared instance; it becomes the factory's body.</summary>
    public ExpressionSyntax Creation { get; }

    /// <summary>Static-constructor statements that assigned or opened the shared instance.</summary>
    public ImmutableArray<StatementSyntax> RemovedStatements { get; }

    /// <summary>The shared instance was opened once up front, so each use site must open its own.</summary>
    public bool OpenAtUse { get; }

    public ImmutableArray<UseSite> UseSites { get; }

    public string FactoryName { get; }

    public static async Task<PerUseFactoryPlan?> TryCreateAsync(Document document, SyntaxNode declaration, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null
            || model.GetDeclaredSymbol(declaration, cancellationToken) is not { IsStatic: true } member
            || model.SyntaxTree.Options is not CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 })
        {
            // "using var" needs C# 8; older projects keep the code as it is rather than get a fix that does not compile.
            return null;
        }

        var memberType = member switch
        {
            IFieldSymbol field => field.Type,
            IPropertySymbol property => property.Type,
            _ => null,
        };

        var catalog = DatabaseTypeCatalog.TryCreate(model.Compilation, document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider);
        var types = catalog?.For(model.SyntaxTree);
        if (memberType is null || types is null || !types.TryClassify(memberType, out var match) || match.IsContained || !TypeMembers.IsDisposable(memberType))
        {
            return null;
        }

        if (!TryGetDeclaredShape(declaration, out var initializer))
        {
            return null;
        }

        var references = await FindReferencesAsync(document, member, cancellationToken).ConfigureAwait(false);
        if (references.IsDefault)
        {
            return null;
        }

        // Writes: at most one, the static constructor's "M = creation;", and only when there is no initializer.
        var creation = initializer;
        var removed = ImmutableArray.CreateBuilder<StatementSyntax>();
        var reads = new List<ExpressionSyntax>();
        foreach (var reference in references)
        {
            if (!IsInsideDeclaringType(model, reference, member, cancellationToken))
            {
                // Another type would need the factory made visible and qualified: it keeps its code.
                return null;
            }

            if (HalfTyped.IsIn(reference))
            {
                // Each use becomes a using statement around its own: in a member that does not parse, that moves the break.
                return null;
            }

            if (!IsWrite(reference))
            {
                reads.Add(reference);
                continue;
            }

            if (creation is not null
                || GetStaticConstructorStatement(reference) is not ExpressionStatementSyntax { Expression: AssignmentExpressionSyntax assignment } statement
                || !assignment.IsKind(SyntaxKind.SimpleAssignmentExpression)
                || assignment.Left != AccessOf(reference))
            {
                return null;
            }

            creation = assignment.Right;
            removed.Add(statement);
        }

        if (creation is null || !CanMoveIntoFactory(model, creation, member, cancellationToken) || CreatesInMemoryDatabase(model, creation, cancellationToken))
        {
            return null;
        }

        // "M.Open();" in the static constructor opened the shared instance once; each use now opens its own.
        var openAtUse = false;
        var uses = new Dictionary<SyntaxNode, List<ExpressionSyntax>>();
        foreach (var reference in reads)
        {
            if (GetStaticConstructorStatement(reference) is ExpressionStatementSyntax statement && IsOpenCall(statement, reference))
            {
                openAtUse = true;
                removed.Add(statement);
                continue;
            }

            var owner = GetBodyOwner(reference);
            if (owner is null || Escapes(reference) || reference.Ancestors().Any(a => a is CrefSyntax or AttributeSyntax) || IsInNameOf(reference))
            {
                return null;
            }

            if (!uses.TryGetValue(owner, out var list))
            {
                uses[owner] = list = new List<ExpressionSyntax>();
            }

            list.Add(AccessOf(reference));
        }

        if (openAtUse && !TypeMembers.HasMethod(memberType, "Open"))
        {
            return null;
        }

        var sites = ImmutableArray.CreateBuilder<UseSite>();
        foreach (var pair in uses)
        {
            var site = UseSite.TryCreate(model, pair.Key, pair.Value.ToImmutableArray(), member, cancellationToken);
            if (site is null || site.ReturnsUnawaitedTask || ReturnsDeferredWork(types, site, match.Kind))
            {
                return null;
            }

            sites.Add(site);
        }

        var useSites = sites.ToImmutable();
        if (SharesStateAcrossMembers(model, types, useSites, cancellationToken))
        {
            return null;
        }

        var factoryName = ChooseFactoryName(member);
        return factoryName is null
            ? null
            : new PerUseFactoryPlan(document, memberType, declaration, creation, removed.ToImmutable(), openAtUse, useSites, factoryName);
    }

    /// <summary>The name a local or factory is built from: "_connection", "s_db", "Connection" give "connection", "db".</summary>
    public static string BaseName(string memberName)
    {
        var name = memberName;
        if (name.Length > 2 && name[1] == '_' && (name[0] is 's' or 'm' or 't'))
        {
            name = name.Substring(2);
        }

        name = name.TrimStart('_');
        if (name.Length == 0)
        {
            return "instance";
        }

        return char.ToLowerInvariant(name[0]) + name.Substring(1);
    }

    private static bool TryGetDeclaredShape(SyntaxNode declaration, out ExpressionSyntax? initializer)
    {
        initializer = null;
        switch (declaration)
        {
            case VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax } } declarator:
                initializer = declarator.Initializer?.Value;
                return true;

            case PropertyDeclarationSyntax { AccessorList: { } accessors, ExpressionBody: null } property
                when accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null):
                initializer = property.Initializer?.Value;
                return true;

            default:
                return false;
        }
    }

    private static async Task<ImmutableArray<ExpressionSyntax>> FindReferencesAsync(Document document, ISymbol member, CancellationToken cancellationToken)
    {
        var builder = ImmutableArray.CreateBuilder<ExpressionSyntax>();
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var referenced = await SymbolFinder.FindReferencesAsync(member, document.Project.Solution, cancellationToken).ConfigureAwait(false);
        foreach (var symbol in referenced)
        {
            foreach (var location in symbol.Locations)
            {
                // A use in another file (another part of a partial type, another type) is out of
                // this document's reach: no fix rather than a half-rewritten program.
                if (location.Document.Id != document.Id || location.IsImplicit || root is null)
                {
                    return default;
                }

                var node = root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true);
                if (node is not IdentifierNameSyntax identifier)
                {
                    return default;
                }

                builder.Add(identifier);
            }
        }

        return builder.ToImmutable();
    }

    private static bool IsInsideDeclaringType(SemanticModel model, SyntaxNode reference, ISymbol member, CancellationToken cancellationToken)
    {
        for (var type = model.GetEnclosingSymbol(reference.SpanStart, cancellationToken)?.ContainingType; type is not null; type = type.ContainingType)
        {
            if (SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, member.ContainingType.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>"Db.Connection" as a whole when the reference is qualified by its type, else the name itself.</summary>
    private static ExpressionSyntax AccessOf(ExpressionSyntax reference)
        => reference.Parent is MemberAccessExpressionSyntax access && access.Name == reference && access.Expression is not ThisExpressionSyntax
            ? access
            : reference;

    private static bool IsWrite(ExpressionSyntax reference)
    {
        var access = AccessOf(reference);
        return access.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == access,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None) && !argument.RefKindKeyword.IsKind(SyntaxKind.InKeyword),
            PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax => true,
            RefExpressionSyntax => true,
            _ => false,
        };
    }

    private static StatementSyntax? GetStaticConstructorStatement(ExpressionSyntax reference)
    {
        var statement = reference.FirstAncestorOrSelf<StatementSyntax>();
        return statement?.Parent is BlockSyntax { Parent: ConstructorDeclarationSyntax constructor }
            && constructor.Modifiers.Any(SyntaxKind.StaticKeyword)
            ? statement
            : null;
    }

    private static bool IsOpenCall(ExpressionStatementSyntax statement, ExpressionSyntax reference)
        => statement.Expression is InvocationExpressionSyntax
        {
            Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Open" } access,
            ArgumentList.Arguments.Count: 0,
        }
        && access.Expression == AccessOf(reference);

    /// <summary>
    /// The creation moves from a static initializer or static constructor into a static method, so it
    /// must not read the constructor's locals, and must not read the member it creates.
    /// </summary>
    private static bool CanMoveIntoFactory(SemanticModel model, ExpressionSyntax creation, ISymbol member, CancellationToken cancellationToken)
    {
        foreach (var identifier in creation.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
        {
            var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
            if (symbol is ILocalSymbol
                || (symbol is IParameterSymbol parameter && !IsDeclaredWithin(parameter, creation))
                || SymbolEqualityComparer.Default.Equals(symbol, member))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsDeclaredWithin(ISymbol symbol, SyntaxNode node)
        => symbol.DeclaringSyntaxReferences.Any(r => node.Span.Contains(r.Span));

    /// <summary>
    /// Each SQLite connection to ":memory:" opens its own empty database; one per use would lose the data
    /// the shared connection kept alive.
    /// </summary>
    private static bool CreatesInMemoryDatabase(SemanticModel model, ExpressionSyntax creation, CancellationToken cancellationToken)
    {
        foreach (var expression in creation.DescendantNodesAndSelf().OfType<ExpressionSyntax>())
        {
            var constant = model.GetConstantValue(expression, cancellationToken);
            if (constant.HasValue && constant.Value is string text
                && (text.IndexOf(":memory:", StringComparison.OrdinalIgnoreCase) >= 0
                    || text.IndexOf("mode=memory", StringComparison.OrdinalIgnoreCase) >= 0))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The method, constructor, accessor or expression-bodied property whose body holds the reference;
    /// null inside lambdas and local functions (which may run after the owner disposed its instance)
    /// and outside any body (field initializers, constructor initializers, attributes).
    /// </summary>
    internal static SyntaxNode? GetBodyOwner(SyntaxNode reference)
    {
        for (var node = reference.Parent; node is not null; node = node.Parent)
        {
            switch (node)
            {
                case AnonymousFunctionExpressionSyntax:
                case LocalFunctionStatementSyntax:
                case ConstructorInitializerSyntax:
                case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax } }:
                case EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax or ParameterSyntax }:
                case AttributeSyntax:
                case TypeDeclarationSyntax:
                    return null;

                case BaseMethodDeclarationSyntax method when method.Body is not null || method.ExpressionBody is not null:
                    return method;

                case AccessorDeclarationSyntax accessor when accessor.Body is not null || accessor.ExpressionBody is not null:
                    return accessor;

                case BasePropertyDeclarationSyntax property when property is PropertyDeclarationSyntax { ExpressionBody: not null } or IndexerDeclarationSyntax { ExpressionBody: not null }:
                    return property;
            }
        }

        return null;
    }

    /// <summary>The instance itself leaves the member: returned, stored in a field or property, or yielded.</summary>
    internal static bool Escapes(ExpressionSyntax reference)
    {
        SyntaxNode current = AccessOf(reference);
        while (true)
        {
            var parent = current.Parent;
            switch (parent)
            {
                case ParenthesizedExpressionSyntax:
                case CastExpressionSyntax:
                case BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression or (int)SyntaxKind.AsExpression }:
                case ConditionalExpressionSyntax conditional when conditional.Condition != current:
                case PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression }:
                    current = parent;
                    continue;

                case ReturnStatementSyntax:
                case YieldStatementSyntax:
                case ArrowExpressionClauseSyntax:
                case ThrowExpressionSyntax:
                    return true;

                case AssignmentExpressionSyntax assignment when assignment.Right == current:
                    return assignment.Left is not IdentifierNameSyntax && assignment.Left is not DeclarationExpressionSyntax
                        || assignment.Parent is not ExpressionStatementSyntax;

                case InitializerExpressionSyntax:
                case AnonymousObjectMemberDeclaratorSyntax:
                case TupleExpressionSyntax:
                    return true;

                default:
                    return false;
            }
        }
    }

    internal static bool IsInNameOf(SyntaxNode reference)
        => reference.Ancestors().OfType<InvocationExpressionSyntax>().Any(i => i.Expression is IdentifierNameSyntax { Identifier.ValueText: "nameof" });

    /// <summary>
    /// A member that hands back something still bound to the instance (a reader, a command, a lazy
    /// query) would hand back something already disposed once the instance is per use.
    /// </summary>
    internal static bool ReturnsDeferredWork(DatabaseTypes types, UseSite site, DatabaseObjectKind kind)
    {
        var returnType = site.ReturnType;
        if (returnType is null || returnType.SpecialType == SpecialType.System_Void)
        {
            return false;
        }

        if (returnType is INamedTypeSymbol { IsGenericType: true } task && Awaits.IsTaskLike(task))
        {
            returnType = task.TypeArguments[0];
        }

        if (types.TryClassify(returnType, out _))
        {
            return true;
        }

        var name = returnType.OriginalDefinition.ToDisplayString();
        if (name.StartsWith("System.Linq.IQueryable", StringComparison.Ordinal)
            || name.StartsWith("System.Linq.IOrderedQueryable", StringComparison.Ordinal)
            || name.StartsWith("System.Collections.Generic.IAsyncEnumerable", StringComparison.Ordinal))
        {
            return true;
        }

        // An IEnumerable<T> from a context or session is usually a deferred query; from a connection
        // (Dapper) it is buffered by default.
        return kind is DatabaseObjectKind.Context or DatabaseObjectKind.Session or DatabaseObjectKind.Other
            && name == "System.Collections.Generic.IEnumerable<T>";
    }

    /// <summary>
    /// Members that used the one shared instance together (a transaction begun in one and used by a
    /// callee, a command created in one and run by another) would each get their own instance.
    /// </summary>
    internal static bool SharesStateAcrossMembers(SemanticModel model, DatabaseTypes types, ImmutableArray<UseSite> sites, CancellationToken cancellationToken)
    {
        var owners = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        foreach (var site in sites)
        {
            if (site.Symbol is not null)
            {
                owners.Add(site.Symbol.OriginalDefinition);
            }
        }

        foreach (var site in sites)
        {
            var beginsTransaction = site.Uses.Any(use => use.Parent is MemberAccessExpressionSyntax access
                && (access.Name.Identifier.ValueText.StartsWith("BeginTransaction", StringComparison.Ordinal)
                    || access.Name.Identifier.ValueText == "EnlistTransaction"
                    || access.Name.Identifier.ValueText == "Database"));

            foreach (var invocation in site.Owner.DescendantNodes().OfType<InvocationExpressionSyntax>())
            {
                if (model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol target
                    || !owners.Contains(target.OriginalDefinition))
                {
                    continue;
                }

                if (beginsTransaction)
                {
                    return true;
                }

                foreach (var argument in invocation.ArgumentList.Arguments)
                {
                    var type = model.GetTypeInfo(argument.Expression, cancellationToken).Type;
                    if (types.TryClassify(type, out _))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static string? ChooseFactoryName(ISymbol member)
    {
        var baseName = BaseName(member.Name);
        var pascal = char.ToUpperInvariant(baseName[0]) + baseName.Substring(1);
        foreach (var candidate in new[] { "Create" + pascal, "New" + pascal, "Create" + pascal + "Instance" })
        {
            if (candidate != member.Name && member.ContainingType.GetMembers(candidate).IsEmpty)
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>One member body that uses the shared instance and will create its own.</summary>
    internal sealed class UseSite
    {
        private UseSite(SyntaxNode owner, ISymbol? symbol, ITypeSymbol? returnType, bool isAsync, bool hasValue, ImmutableArray<ExpressionSyntax> uses, string localName, string? cancellationTokenName)
        {
            Owner = owner;
            Symbol = symbol;
            ReturnType = returnType;
            IsAsync = isAsync;
            ExpressionBodyReturnsValue = hasValue;
            Uses = uses;
            LocalName = localName;
            CancellationTokenName = cancellationTokenName;
        }

        public SyntaxNode Owner { get; }

        public ISymbol? Symbol { get; }

        public ITypeSymbol? ReturnType { get; }

        public bool IsAsync { get; }

        /// <summary>
        /// A method that hands back a task without awaiting it (<c>Task&lt;int&gt; CountAsync() => db.Jobs.CountAsync()</c>):
        /// an instance disposed at its end would be disposed while the operation still runs.
        /// </summary>
        public bool ReturnsUnawaitedTask => !IsAsync && Awaits.IsTaskLike(ReturnType);

        /// <summary>For an expression body: whether the expression is the member's result.</summary>
        public bool ExpressionBodyReturnsValue { get; }

        public ImmutableArray<ExpressionSyntax> Uses { get; }

        public string LocalName { get; }

        /// <summary>A CancellationToken parameter to pass on to OpenAsync, when the member has one.</summary>
        public string? CancellationTokenName { get; }

        public static UseSite? TryCreate(SemanticModel model, SyntaxNode owner, ImmutableArray<ExpressionSyntax> uses, ISymbol member, CancellationToken cancellationToken)
        {
            var symbol = model.GetDeclaredSymbol(owner, cancellationToken);
            var method = symbol as IMethodSymbol ?? (symbol as IPropertySymbol)?.GetMethod;
            if (method is null)
            {
                return null;
            }

            var isAsync = method.IsAsync;
            var returnsValue = !method.ReturnsVoid && !(isAsync && method.ReturnType is INamedTypeSymbol { IsGenericType: false });
            if (method.MethodKind is MethodKind.PropertySet or MethodKind.EventAdd or MethodKind.EventRemove or MethodKind.Constructor or MethodKind.StaticConstructor or MethodKind.Destructor)
            {
                returnsValue = false;
            }

            var localName = ChooseLocalName(model, owner, BaseName(member.Name), cancellationToken);
            string? tokenName = null;
            foreach (var parameter in method.Parameters)
            {
                if (parameter.Type.Name == "CancellationToken" && parameter.Type.ContainingNamespace?.ToDisplayString() == "System.Threading")
                {
                    tokenName = parameter.Name;
                }
            }

            return new UseSite(owner, symbol, method.ReturnType, isAsync, returnsValue, uses, localName, tokenName);
        }

        /// <summary>
        /// A local name free in <paramref name="owner"/>. The <paramref name="replaced"/> symbol's own
        /// <paramref name="uses"/> do not take its name: they are about to become the local.
        /// </summary>
        internal static string ChooseLocalName(SemanticModel model, SyntaxNode owner, string baseName, CancellationToken cancellationToken, ISymbol? replaced = null, ImmutableArray<ExpressionSyntax> uses = default)
        {
            var taken = new HashSet<string>(StringComparer.Ordinal);
            foreach (var token in owner.DescendantTokens())
            {
                if (token.IsKind(SyntaxKind.IdentifierToken) && (replaced is null || uses.IsDefault || token.Parent is not ExpressionSyntax parent || !uses.Contains(parent)))
                {
                    taken.Add(token.ValueText);
                }
            }

            var position = owner.SpanStart;
            for (var i = 1; ; i++)
            {
                var candidate = i == 1 ? baseName : baseName + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (SyntaxFacts.GetKeywordKind(candidate) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(candidate) is SyntaxKind.VarKeyword or SyntaxKind.AwaitKeyword)
                {
                    continue;
                }

                if (!taken.Contains(candidate) && model.LookupSymbols(position, name: candidate).All(s => SymbolEqualityComparer.Default.Equals(s, replaced)))
                {
                    return candidate;
                }

                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }
}
