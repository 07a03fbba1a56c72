using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Text;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC003: gives the delegate its own instance of a local it captured. Either each run creates one
/// (the local's creation copied into the delegate, opened if the original was opened before the call), or,
/// for <c>Parallel.For</c>/<c>ForEach</c>, each worker does, through the <c>localInit</c>/<c>localFinally</c>
/// overload. The delegate's own local (or parameter) shadows the captured one, so its uses need no change.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ConcurrentDelegateCaptureCodeFixProvider)), Shared]
public sealed class ConcurrentDelegateCaptureCodeFixProvider : CodeFixProvider
{
    public const string CreateInsideKey = "DBC003.CreateInside";
    public const string PerWorkerKey = "DBC003.PerWorker";
    public const string FactoryInsideKey = "DBC003.FactoryInside";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.ConcurrentDelegateCapture);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null || model.SyntaxTree.Options is not CSharpParseOptions { LanguageVersion: >= LanguageVersion.CSharp8 })
        {
            // The delegate's own local shadows the captured one: C# 8 and later.
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var document = context.Document;
            if (HalfTyped.IsIn(root.FindNode(diagnostic.Location.SourceSpan)))
            {
                continue;
            }

            if (CapturedContext.TryCreate(root, model, diagnostic, context.CancellationToken) is { } context2)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Create a context per run of the delegate from '{context2.FactoryName}'",
                        token => ReplaceAsync(document, root, context2.Delegate, context2.CreateInside(), token),
                        FactoryInsideKey),
                    diagnostic);
                continue;
            }

            var plan = CapturedLocal.TryCreate(context.Document, root, model, diagnostic, context.CancellationToken);
            if (plan is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Create a new '{plan.Name}' inside the delegate",
                    token => ReplaceAsync(document, root, plan.Delegate, plan.CreateInside(), token),
                    CreateInsideKey),
                diagnostic);

            if (plan.TryPerWorker(model, context.CancellationToken) is { } perWorker)
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Use one '{plan.Name}' per worker (localInit/localFinally)",
                        token => ReplaceAsync(document, root, perWorker.Original, perWorker.Replacement, token),
                        PerWorkerKey),
                    diagnostic);
            }
        }
    }

    private static Task<Document> ReplaceAsync(Document document, SyntaxNode root, SyntaxNode original, SyntaxNode replacement, CancellationToken cancellationToken)
        => Formatter.FormatAsync(
            document.WithSyntaxRoot(root.ReplaceNode(original, replacement.WithAdditionalAnnotations(Formatter.Annotation))),
            Formatter.Annotation,
            cancellationToken: cancellationToken);

    /// <summary>
    /// An EF Core context field or property of a type that also holds an <c>IDbContextFactory</c> for it: each
    /// run of the delegate asks the factory for its own context.
    /// </summary>
    private sealed class CapturedContext
    {
        private CapturedContext(AnonymousFunctionExpressionSyntax @delegate, IMethodSymbol delegateSymbol, ISymbol member, string factoryName, bool hasAsyncCreate, SemanticModel model)
        {
            Delegate = @delegate;
            DelegateSymbol = delegateSymbol;
            Member = member;
            FactoryName = factoryName;
            HasAsyncCreate = hasAsyncCreate;
            Model = model;
        }

        public AnonymousFunctionExpressionSyntax Delegate { get; }

        public string FactoryName { get; }

        private IMethodSymbol DelegateSymbol { get; }

        private ISymbol Member { get; }

        private bool HasAsyncCreate { get; }

        private SemanticModel Model { get; }

        public static CapturedContext? TryCreate(SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            if (!diagnostic.Properties.TryGetValue(ConcurrentDelegateCaptureAnalyzer.CapturedProperty, out var captured) || captured != "Member"
                || !diagnostic.Properties.TryGetValue(ConcurrentDelegateCaptureAnalyzer.DelegateSpanProperty, out var spanText)
                || !CapturedLocal.TryParseSpan(spanText, out var span)
                || root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AnonymousFunctionExpressionSyntax>() is not { } @delegate
                || @delegate.Span != span
                || model.GetSymbolInfo(@delegate, cancellationToken).Symbol is not IMethodSymbol delegateSymbol
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not SimpleNameSyntax use
                || model.GetSymbolInfo(use, cancellationToken).Symbol is not { Kind: SymbolKind.Field or SymbolKind.Property } member
                || KnownTypes.ResolveOne(model.Compilation, "Microsoft.EntityFrameworkCore.IDbContextFactory`1") is not { } factoryDefinition)
            {
                return null;
            }

            var contextType = member is IFieldSymbol field ? field.Type : ((IPropertySymbol)member).Type;
            var factoryType = factoryDefinition.Construct(contextType);
            return TypeMembers.FindInstanceMember(member.ContainingType, factoryType) is { } factory
                ? new CapturedContext(@delegate, delegateSymbol, member, factory, TypeMembers.HasMethod(factoryType, "CreateDbContextAsync"), model)
                : null;
        }

        /// <summary>The delegate with its own context first and every use of the shared one pointing at it.</summary>
        public AnonymousFunctionExpressionSyntax CreateInside()
        {
            var local = CapturedLocal.FreeName(Delegate, PerUseFactoryPlan.BaseName(Member.Name));
            var replaced = SymbolUses.ReplaceWithLocal(Delegate, Member, local, Model, CancellationToken.None);

            var isAsync = DelegateSymbol.IsAsync && HasAsyncCreate;
            ExpressionSyntax create = SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(
                SyntaxKind.SimpleMemberAccessExpression,
                SyntaxFactory.IdentifierName(FactoryName),
                SyntaxFactory.IdentifierName(isAsync ? "CreateDbContextAsync" : "CreateDbContext")));
            if (isAsync)
            {
                create = SyntaxFactory.AwaitExpression(create);
            }

            var declaration = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(SyntaxFactory.IdentifierName("var"), SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(SyntaxFactory.Identifier(local)).WithInitializer(SyntaxFactory.EqualsValueClause(create)))))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword));
            if (DelegateSymbol.IsAsync)
            {
                declaration = declaration.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword));
            }

            var body = CapturedLocal.BodyAsBlock(replaced, DelegateSymbol);
            return CapturedLocal.WithBlock(replaced, body.WithStatements(body.Statements.Insert(0, declaration.WithAdditionalAnnotations(Formatter.Annotation))));
        }
    }

    /// <summary>A local created before the delegate with something the delegate can create again, and how it was opened.</summary>
    private sealed class CapturedLocal
    {
        private CapturedLocal(AnonymousFunctionExpressionSyntax @delegate, IMethodSymbol delegateSymbol, VariableDeclarationSyntax declaration, VariableDeclaratorSyntax declarator, ExpressionSyntax creation, InvocationExpressionSyntax? open, ITypeSymbol type)
        {
            Delegate = @delegate;
            DelegateSymbol = delegateSymbol;
            Declaration = declaration;
            Declarator = declarator;
            Creation = creation;
            Open = open;
            Type = type;
        }

        public AnonymousFunctionExpressionSyntax Delegate { get; }

        public string Name => Declarator.Identifier.ValueText;

        private IMethodSymbol DelegateSymbol { get; }

        private VariableDeclarationSyntax Declaration { get; }

        private VariableDeclaratorSyntax Declarator { get; }

        private ExpressionSyntax Creation { get; }

        /// <summary><c>connection.Open()</c> or <c>connection.OpenAsync(…)</c> between the declaration and the delegate.</summary>
        private InvocationExpressionSyntax? Open { get; }

        private ITypeSymbol Type { get; }

        public static CapturedLocal? TryCreate(Document document, SyntaxNode root, SemanticModel model, Diagnostic diagnostic, CancellationToken cancellationToken)
        {
            var types = DatabaseTypeCatalog.TryCreate(model.Compilation, document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider)?.For(model.SyntaxTree);
            if (!diagnostic.Properties.TryGetValue(ConcurrentDelegateCaptureAnalyzer.CapturedProperty, out var captured) || captured != "Local"
                || !diagnostic.Properties.TryGetValue(ConcurrentDelegateCaptureAnalyzer.DelegateSpanProperty, out var spanText)
                || !TryParseSpan(spanText, out var span)
                || root.FindNode(span, getInnermostNodeForTie: true).FirstAncestorOrSelf<AnonymousFunctionExpressionSyntax>() is not { } @delegate
                || @delegate.Span != span
                || model.GetSymbolInfo(@delegate, cancellationToken).Symbol is not IMethodSymbol delegateSymbol
                || root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not IdentifierNameSyntax use
                || model.GetSymbolInfo(use, cancellationToken).Symbol is not ILocalSymbol { IsRef: false } local
                || local.DeclaringSyntaxReferences.Length != 1
                || local.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) is not VariableDeclaratorSyntax { Initializer.Value: { } creation } declarator
                || declarator.Parent is not VariableDeclarationSyntax declaration
                || types is null
                || !CanCreateAgain(model, types, creation, cancellationToken))
            {
                return null;
            }

            return new CapturedLocal(@delegate, delegateSymbol, declaration, declarator, creation, FindOpen(declarator, @delegate, local.Name), local.Type);
        }

        /// <summary>The delegate with <c>using var x = &lt;creation&gt;;</c> (and the open) first.</summary>
        public AnonymousFunctionExpressionSyntax CreateInside()
        {
            var statements = new List<StatementSyntax>
            {
                LocalDeclaration(DelegateSymbol.IsAsync && TypeMembers.IsAsyncDisposable(Type)),
            };

            if (Open is not null)
            {
                statements.Add(OpenStatement(DelegateSymbol.IsAsync));
            }

            var body = BodyAsBlock(Delegate, DelegateSymbol);
            var block = body.WithStatements(body.Statements.InsertRange(0, statements.Select(s => s.WithAdditionalAnnotations(Formatter.Annotation))));
            return WithBlock(Delegate, block);
        }

        /// <summary>
        /// <c>Parallel.ForEach(source, item => …)</c> becomes
        /// <c>Parallel.ForEach(source, () => create, (item, state, x) => { …; return x; }, x => x.Dispose())</c>.
        /// </summary>
        public (SyntaxNode Original, SyntaxNode Replacement)? TryPerWorker(SemanticModel model, CancellationToken cancellationToken)
        {
            if (DelegateSymbol.IsAsync
                || Delegate.Parent is not ArgumentSyntax bodyArgument
                || bodyArgument.Parent?.Parent is not InvocationExpressionSyntax invocation
                || model.GetSymbolInfo(invocation, cancellationToken).Symbol is not IMethodSymbol { Name: "For" or "ForEach", ContainingType.Name: "Parallel" } method
                || method.Parameters.Any(p => p.Name == "localInit")
                || invocation.ArgumentList.Arguments.Last() != bodyArgument
                || invocation.ArgumentList.Arguments.Any(a => a.NameColon is not null))
            {
                return null;
            }

            var parameters = Delegate switch
            {
                SimpleLambdaExpressionSyntax simple => new[] { simple.Parameter },
                ParenthesizedLambdaExpressionSyntax { ParameterList.Parameters.Count: 1 or 2 } parenthesized => parenthesized.ParameterList.Parameters.ToArray(),
                _ => null,
            };

            if (parameters is null)
            {
                return null;
            }

            var name = Name;
            var state = parameters.Length == 2 ? parameters[1] : SyntaxFactory.Parameter(SyntaxFactory.Identifier(FreeName(Delegate, "state")));
            var lambdaParameters = SyntaxFactory.ParameterList(SyntaxFactory.SeparatedList(new[]
            {
                parameters[0].WithType(null).WithoutTrivia(),
                state.WithType(null).WithoutTrivia(),
                SyntaxFactory.Parameter(SyntaxFactory.Identifier(name)),
            }));

            var body = ReturnLocalEverywhere(BodyAsBlock(Delegate, DelegateSymbol), name);
            if (body.Statements.LastOrDefault() is not ReturnStatementSyntax)
            {
                body = body.AddStatements(SyntaxFactory.ReturnStatement(SyntaxFactory.IdentifierName(name)));
            }

            var newBody = SyntaxFactory.ParenthesizedLambdaExpression(lambdaParameters, body).WithAdditionalAnnotations(Formatter.Annotation);
            var localInit = SyntaxFactory.ParenthesizedLambdaExpression(SyntaxFactory.ParameterList(), InitBody());
            var localFinally = SyntaxFactory.SimpleLambdaExpression(
                SyntaxFactory.Parameter(SyntaxFactory.Identifier(name)),
                SyntaxFactory.InvocationExpression(SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(name), SyntaxFactory.IdentifierName("Dispose"))));

            var arguments = invocation.ArgumentList.Arguments.RemoveAt(invocation.ArgumentList.Arguments.Count - 1)
                .Add(SyntaxFactory.Argument(localInit))
                .Add(bodyArgument.WithExpression(newBody))
                .Add(SyntaxFactory.Argument(localFinally));
            return (invocation, invocation.WithArgumentList(invocation.ArgumentList.WithArguments(arguments)).WithAdditionalAnnotations(Formatter.Annotation));
        }

        private CSharpSyntaxNode InitBody()
        {
            if (Open is null)
            {
                return ExplicitCreation();
            }

            return Multiline(SyntaxFactory.Block(
                LocalDeclaration(awaitUsing: false).WithUsingKeyword(default).WithAwaitKeyword(default),
                OpenStatement(isAsync: false),
                SyntaxFactory.ReturnStatement(SyntaxFactory.IdentifierName(Name))));
        }

        private LocalDeclarationStatementSyntax LocalDeclaration(bool awaitUsing)
        {
            var declaration = SyntaxFactory.LocalDeclarationStatement(
                    SyntaxFactory.VariableDeclaration(
                        Declaration.Type.WithoutTrivia(),
                        SyntaxFactory.SingletonSeparatedList(SyntaxFactory.VariableDeclarator(Declarator.Identifier.WithoutTrivia()).WithInitializer(SyntaxFactory.EqualsValueClause(Creation.WithoutTrivia())))))
                .WithUsingKeyword(SyntaxFactory.Token(SyntaxKind.UsingKeyword));
            return awaitUsing ? declaration.WithAwaitKeyword(SyntaxFactory.Token(SyntaxKind.AwaitKeyword)) : declaration;
        }

        /// <summary>A creation that stands alone: <c>new()</c> gets the declared type, since a lambda's return has no target type.</summary>
        private ExpressionSyntax ExplicitCreation()
            => Creation is ImplicitObjectCreationExpressionSyntax implicitCreation && !Declaration.Type.IsVar
                ? SyntaxFactory.ObjectCreationExpression(Declaration.Type.WithoutTrivia().WithTrailingTrivia(SyntaxFactory.Space), implicitCreation.ArgumentList, implicitCreation.Initializer)
                : Creation.WithoutTrivia();

        /// <summary>The original open, as the delegate can make it: awaited in async code, synchronous otherwise.</summary>
        private ExpressionStatementSyntax OpenStatement(bool isAsync)
        {
            var open = Open!;
            var wasAsync = open.Expression is MemberAccessExpressionSyntax { Name.Identifier.ValueText: "OpenAsync" };
            ExpressionSyntax call = SyntaxFactory.InvocationExpression(
                SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, SyntaxFactory.IdentifierName(Name), SyntaxFactory.IdentifierName(isAsync ? "OpenAsync" : "Open")),
                isAsync && wasAsync ? open.ArgumentList.WithoutTrivia() : SyntaxFactory.ArgumentList());
            if (isAsync)
            {
                call = SyntaxFactory.AwaitExpression(call);
            }

            return SyntaxFactory.ExpressionStatement(call);
        }

        internal static bool TryParseSpan(string? text, out TextSpan span)
        {
            span = default;
            var parts = text?.Split(':');
            if (parts is not { Length: 2 }
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var length))
            {
                return false;
            }

            span = new TextSpan(start, length);
            return true;
        }

        /// <summary>
        /// The creation can run again inside the delegate: it reads no other database object (a command made
        /// from the shared connection would still share it) and no <c>ref</c> local.
        /// </summary>
        private static bool CanCreateAgain(SemanticModel model, DatabaseTypes types, ExpressionSyntax creation, CancellationToken cancellationToken)
        {
            if (creation is not (BaseObjectCreationExpressionSyntax or InvocationExpressionSyntax))
            {
                return false;
            }

            foreach (var identifier in creation.DescendantNodesAndSelf().OfType<IdentifierNameSyntax>())
            {
                var symbol = model.GetSymbolInfo(identifier, cancellationToken).Symbol;
                var type = symbol switch
                {
                    ILocalSymbol { IsRef: true } => null,
                    ILocalSymbol local => local.Type,
                    IParameterSymbol parameter => parameter.Type,
                    IFieldSymbol field => field.Type,
                    IPropertySymbol property => property.Type,
                    _ => null,
                };

                if ((symbol is ILocalSymbol { IsRef: true }) || (type is not null && types.TryClassify(type, out _)))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>The <c>x.Open()</c> / <c>await x.OpenAsync(…)</c> statement in the declaring block before the delegate.</summary>
        private static InvocationExpressionSyntax? FindOpen(VariableDeclaratorSyntax declarator, SyntaxNode @delegate, string name)
        {
            var block = declarator.FirstAncestorOrSelf<BlockSyntax>();
            if (block is null)
            {
                return null;
            }

            foreach (var statement in block.Statements)
            {
                if (statement.SpanStart >= @delegate.SpanStart)
                {
                    break;
                }

                var expression = (statement as ExpressionStatementSyntax)?.Expression;
                if (expression is AwaitExpressionSyntax awaited)
                {
                    expression = awaited.Expression;
                }

                if (expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Expression: IdentifierNameSyntax target, Name.Identifier.ValueText: "Open" or "OpenAsync" } } open
                    && target.Identifier.ValueText == name)
                {
                    return open;
                }
            }

            return null;
        }

        internal static BlockSyntax BodyAsBlock(AnonymousFunctionExpressionSyntax @delegate, IMethodSymbol symbol)
        {
            if (@delegate.Block is { } block)
            {
                return block;
            }

            var expression = (ExpressionSyntax)@delegate.Body;
            var returnsValue = !symbol.ReturnsVoid && !(symbol.IsAsync && symbol.ReturnType is INamedTypeSymbol { IsGenericType: false });
            StatementSyntax statement = returnsValue
                ? SyntaxFactory.ReturnStatement(expression.WithoutTrivia())
                : SyntaxFactory.ExpressionStatement(expression.WithoutTrivia());
            return Multiline(SyntaxFactory.Block(statement));
        }

        /// <summary>
        /// A block written on lines of its own: the formatter keeps a block it finds on one line on one line,
        /// and a lambda body made from an expression would otherwise stay squeezed there.
        /// </summary>
        private static BlockSyntax Multiline(BlockSyntax block)
            => block
                .WithOpenBraceToken(block.OpenBraceToken.WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed))
                .WithStatements(SyntaxFactory.List(block.Statements.Select(s => s.WithTrailingTrivia(SyntaxFactory.ElasticCarriageReturnLineFeed))))
                .WithAdditionalAnnotations(Formatter.Annotation);

        internal static AnonymousFunctionExpressionSyntax WithBlock(AnonymousFunctionExpressionSyntax @delegate, BlockSyntax block)
            => @delegate switch
            {
                SimpleLambdaExpressionSyntax simple => simple.WithExpressionBody(null).WithBlock(block),
                ParenthesizedLambdaExpressionSyntax parenthesized => parenthesized.WithExpressionBody(null).WithBlock(block),
                AnonymousMethodExpressionSyntax anonymous => anonymous.WithBlock(block),
                _ => @delegate,
            };

        /// <summary>Every <c>return;</c> of the body (not of its nested functions) hands the worker's instance back.</summary>
        private static BlockSyntax ReturnLocalEverywhere(BlockSyntax body, string name)
        {
            var returns = body.DescendantNodes(n => n is not (AnonymousFunctionExpressionSyntax or LocalFunctionStatementSyntax))
                .OfType<ReturnStatementSyntax>()
                .Where(r => r.Expression is null);
            return body.ReplaceNodes(returns, (_, r) => r.WithExpression(SyntaxFactory.IdentifierName(name)).WithReturnKeyword(r.ReturnKeyword.WithTrailingTrivia(SyntaxFactory.Space)));
        }

        internal static string FreeName(SyntaxNode scope, string name)
        {
            var taken = new HashSet<string>(scope.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText));
            var candidate = name;
            for (var i = 2; taken.Contains(candidate); i++)
            {
                candidate = name + i.ToString(CultureInfo.InvariantCulture);
            }

            return candidate;
        }
    }
}
