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
/// Decides whether a long-lived type's constructor dependency can become a factory it asks once per
/// operation: the parameter, the one field or auto-property it is stored in (or, with a primary
/// constructor, the captured parameter itself), and every member body that uses it. Returns nothing
/// when the dependency escapes its uses (returned, stored elsewhere, used in a lambda that may outlive
/// the method, handed back as a lazy query) or is spread over files this fix cannot see.
/// </summary>
internal sealed class InjectedFactoryPlan
{
    private InjectedFactoryPlan(
        Document document,
        IParameterSymbol parameter,
        ParameterSyntax parameterSyntax,
        ImmutableArray<IdentifierNameSyntax> parameterReferences,
        ISymbol member,
        SyntaxNode? storage,
        ImmutableArray<ExpressionSyntax> storageWrites,
        ImmutableArray<PerUseFactoryPlan.UseSite> useSites)
    {
        Document = document;
        Parameter = parameter;
        ParameterSyntax = parameterSyntax;
        ParameterReferences = parameterReferences;
        Member = member;
        Storage = storage;
        StorageWrites = storageWrites;
        UseSites = useSites;
    }

    public Document Document { get; }

    public IParameterSymbol Parameter { get; }

    public ParameterSyntax ParameterSyntax { get; }

    /// <summary>The parameter's references outside the member bodies that use it: the storing assignment, <c>nameof</c>.</summary>
    public ImmutableArray<IdentifierNameSyntax> ParameterReferences { get; }

    /// <summary>The field or auto-property that keeps the dependency, or the parameter itself when a primary constructor captures it.</summary>
    public ISymbol Member { get; }

    /// <summary>The <see cref="VariableDeclaratorSyntax"/> or <see cref="PropertyDeclarationSyntax"/> of the storing member.</summary>
    public SyntaxNode? Storage { get; }

    /// <summary>The storing member's name where the constructor assigns it.</summary>
    public ImmutableArray<ExpressionSyntax> StorageWrites { get; }

    public ImmutableArray<PerUseFactoryPlan.UseSite> UseSites { get; }

    public static async Task<InjectedFactoryPlan?> TryCreateAsync(Document document, ParameterSyntax parameterSyntax, CancellationToken cancellationToken)
    {
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model is null
            || model.SyntaxTree.Options is not CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 }
            || model.GetDeclaredSymbol(parameterSyntax, cancellationToken) is not IParameterSymbol parameter
            || parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Constructor } constructor)
        {
            return null;
        }

        var catalog = DatabaseTypeCatalog.TryCreate(model.Compilation, document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider);
        var types = catalog?.For(model.SyntaxTree);
        if (types is null)
        {
            return null;
        }

        var parameterReferences = await FindReferencesAsync(document, parameter, cancellationToken).ConfigureAwait(false);
        if (parameterReferences.IsDefault)
        {
            return null;
        }

        // Where the parameter goes: into one member (assigned in the constructor or in an initializer), or,
        // with a primary constructor, straight into the members that read it.
        ISymbol? storedIn = null;
        var kept = ImmutableArray.CreateBuilder<IdentifierNameSyntax>();
        var captured = new List<ExpressionSyntax>();
        foreach (var reference in parameterReferences)
        {
            if (PerUseFactoryPlan.IsInNameOf(reference))
            {
                kept.Add(reference);
                continue;
            }

            var target = StorageTarget(model, reference, cancellationToken);
            if (target is not null)
            {
                if (storedIn is not null && !SymbolEqualityComparer.Default.Equals(storedIn, target))
                {
                    return null;
                }

                storedIn = target;
                kept.Add(reference);
                continue;
            }

            if (DependencyInjectionApis.IsPrimaryConstructor(constructor, cancellationToken))
            {
                captured.Add(reference);
                continue;
            }

            // Used by the constructor itself, passed to a base constructor: the instance is needed there and then.
            return null;
        }

        if (storedIn is not null && captured.Count > 0)
        {
            return null;
        }

        var member = storedIn ?? parameter;
        SyntaxNode? storage = null;
        var writes = ImmutableArray.CreateBuilder<ExpressionSyntax>();
        var reads = captured;
        if (storedIn is not null)
        {
            storage = storedIn.DeclaringSyntaxReferences.Length == 1 ? await storedIn.DeclaringSyntaxReferences[0].GetSyntaxAsync(cancellationToken).ConfigureAwait(false) : null;
            if (storage?.SyntaxTree != model.SyntaxTree
                || !IsPrivateStorage(storedIn, storage)
                || await FindReferencesAsync(document, storedIn, cancellationToken).ConfigureAwait(false) is not { IsDefault: false } memberReferences)
            {
                return null;
            }

            reads = new List<ExpressionSyntax>();
            foreach (var reference in memberReferences)
            {
                var access = AccessOf(reference);
                if (access.Parent is AssignmentExpressionSyntax assignment && assignment.Left == access)
                {
                    if (StorageTarget(model, assignment.Right, cancellationToken) is null && !IsParameterValue(model, assignment.Right, parameter, cancellationToken))
                    {
                        return null;
                    }

                    writes.Add(access);
                    continue;
                }

                reads.Add(access);
            }
        }

        var uses = new Dictionary<SyntaxNode, List<ExpressionSyntax>>();
        foreach (var read in reads)
        {
            var owner = PerUseFactoryPlan.GetBodyOwner(read);
            if (owner is null || owner is ConstructorDeclarationSyntax || PerUseFactoryPlan.Escapes(read) || PerUseFactoryPlan.IsInNameOf(read) || IsWrittenThrough(read))
            {
                return null;
            }

            if (!uses.TryGetValue(owner, out var list))
            {
                uses[owner] = list = new List<ExpressionSyntax>();
            }

            list.Add(read);
        }

        types.TryClassify(parameter.Type, out var match);
        var sites = ImmutableArray.CreateBuilder<PerUseFactoryPlan.UseSite>();
        foreach (var pair in uses)
        {
            var site = PerUseFactoryPlan.UseSite.TryCreate(model, pair.Key, pair.Value.ToImmutableArray(), member, cancellationToken);
            if (site is null || (match.ObjectType is not null && PerUseFactoryPlan.ReturnsDeferredWork(types, site, match.Kind)))
            {
                return null;
            }

            sites.Add(site);
        }

        var useSites = sites.ToImmutable();
        if (match.ObjectType is not null && PerUseFactoryPlan.SharesStateAcrossMembers(model, types, useSites, cancellationToken))
        {
            return null;
        }

        return new InjectedFactoryPlan(document, parameter, parameterSyntax, kept.ToImmutable(), member, storage, writes.ToImmutable(), useSites);
    }

    /// <summary>The local each use site declares: the dependency's own name, "db" for "_db".</summary>
    public string LocalName(SemanticModel model, PerUseFactoryPlan.UseSite site, CancellationToken cancellationToken)
        => PerUseFactoryPlan.UseSite.ChooseLocalName(model, site.Owner, PerUseFactoryPlan.BaseName(Member.Name), cancellationToken, Member, site.Uses);

    /// <summary>"_db" in "_db = db;", "_db = db ?? throw …;", or "private readonly AppDb _db = db;": the member that keeps the parameter.</summary>
    private static ISymbol? StorageTarget(SemanticModel model, ExpressionSyntax reference, CancellationToken cancellationToken)
    {
        SyntaxNode value = reference;
        while (value.Parent is ParenthesizedExpressionSyntax or BinaryExpressionSyntax { RawKind: (int)SyntaxKind.CoalesceExpression } or PostfixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.SuppressNullableWarningExpression })
        {
            if (value.Parent is BinaryExpressionSyntax coalesce && coalesce.Left != value)
            {
                return null;
            }

            value = value.Parent;
        }

        switch (value.Parent)
        {
            case AssignmentExpressionSyntax { RawKind: (int)SyntaxKind.SimpleAssignmentExpression, Parent: ExpressionStatementSyntax or ArrowExpressionClauseSyntax } assignment
                when assignment.Right == value && assignment.FirstAncestorOrSelf<ConstructorDeclarationSyntax>() is not null:
                return model.GetSymbolInfo(assignment.Left, cancellationToken).Symbol is { Kind: SymbolKind.Field or SymbolKind.Property } target ? target : null;

            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent.Parent: FieldDeclarationSyntax } declarator }:
                return model.GetDeclaredSymbol(declarator, cancellationToken);

            case EqualsValueClauseSyntax { Parent: PropertyDeclarationSyntax property }:
                return model.GetDeclaredSymbol(property, cancellationToken);

            default:
                return null;
        }
    }

    private static bool IsParameterValue(SemanticModel model, ExpressionSyntax value, IParameterSymbol parameter, CancellationToken cancellationToken)
        => value.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>()
            .Any(identifier => SymbolEqualityComparer.Default.Equals(model.GetSymbolInfo(identifier, cancellationToken).Symbol, parameter));

    /// <summary>A private, single-variable field or a private auto-property: nothing outside the type can reach it.</summary>
    private static bool IsPrivateStorage(ISymbol member, SyntaxNode storage)
        => member.DeclaredAccessibility == Accessibility.Private
           && !member.IsStatic
           && storage switch
           {
               VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: FieldDeclarationSyntax } } => true,
               PropertyDeclarationSyntax { AccessorList: { } accessors, ExpressionBody: null } => accessors.Accessors.All(a => a.Body is null && a.ExpressionBody is null),
               _ => false,
           };

    /// <summary>"_db = other" outside the constructor, "ref _db": the member is not just a dependency.</summary>
    private static bool IsWrittenThrough(ExpressionSyntax access)
        => access.Parent switch
        {
            AssignmentExpressionSyntax assignment => assignment.Left == access,
            ArgumentSyntax argument => !argument.RefKindKeyword.IsKind(SyntaxKind.None),
            RefExpressionSyntax => true,
            _ => false,
        };

    /// <summary>"this._db" as a whole, else the name itself.</summary>
    private static ExpressionSyntax AccessOf(ExpressionSyntax reference)
        => reference.Parent is MemberAccessExpressionSyntax { Expression: ThisExpressionSyntax } access && access.Name == reference ? access : reference;

    private static async Task<ImmutableArray<IdentifierNameSyntax>> FindReferencesAsync(Document document, ISymbol symbol, CancellationToken cancellationToken)
    {
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var builder = ImmutableArray.CreateBuilder<IdentifierNameSyntax>();
        foreach (var referenced in await SymbolFinder.FindReferencesAsync(symbol, document.Project.Solution, cancellationToken).ConfigureAwait(false))
        {
            foreach (var location in referenced.Locations)
            {
                // A use in another file (another part of a partial type) is out of this document's reach.
                if (location.Document.Id != document.Id || location.IsImplicit || root is null
                    || root.FindNode(location.Location.SourceSpan, getInnermostNodeForTie: true) is not IdentifierNameSyntax identifier)
                {
                    return default;
                }

                builder.Add(identifier);
            }
        }

        return builder.ToImmutable();
    }
}
