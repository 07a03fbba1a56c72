using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC004: <c>await Task.WhenAll(items.Select(x => db.FindAsync(x)))</c> becomes a <c>foreach</c> that awaits
/// each operation before starting the next, collecting the results in order (and still handing back an array
/// where the code kept one). Offered for the statement and the <c>var results = await …</c> forms, with an
/// expression-bodied single-parameter lambda.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(OverlappingOperationsCodeFixProvider)), Shared]
public sealed class OverlappingOperationsCodeFixProvider : CodeFixProvider
{
    public const string SequentialKey = "DBC004.Sequential";
    public const string ContextPerTaskKey = "DBC004.ContextPerTask";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.OverlappingOperations);

    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        var model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (var diagnostic in context.Diagnostics)
        {
            var use = root.FindNode(diagnostic.Location.SourceSpan);
            if (!diagnostic.Properties.TryGetValue(OverlappingOperationsAnalyzer.ShapeProperty, out var shape) || shape != "Select"
                || HalfTyped.IsIn(use)
                || !TryFindShape(use, model, context.CancellationToken, out var found))
            {
                continue;
            }

            var document = context.Document;
            context.RegisterCodeFix(
                CodeAction.Create(
                    "Await each operation before starting the next",
                    token => RewriteAsync(document, root, found, token),
                    SequentialKey),
                diagnostic);

            if (TryFindContextFactory(document, use, model, context.CancellationToken, out var target, out var factory))
            {
                context.RegisterCodeFix(
                    CodeAction.Create(
                        $"Give each task its own context from '{factory}'",
                        token => ContextPerTaskAsync(document, root, model, found.Lambda, target, factory, token),
                        ContextPerTaskKey),
                    diagnostic);
            }
        }
    }

    private static bool TryFindShape(SyntaxNode use, SemanticModel model, CancellationToken cancellationToken, out Shape shape)
    {
        shape = default;
        var lambda = use.FirstAncestorOrSelf<SimpleLambdaExpressionSyntax>();
        if (lambda is not { ExpressionBody: { } body, Parent: ArgumentSyntax { Parent: ArgumentListSyntax { Arguments.Count: 1, Parent: InvocationExpressionSyntax select } } }
            || select.Expression is not MemberAccessExpressionSyntax { Name.Identifier.ValueText: "Select", Expression: { } source }
            || select.Parent is not ArgumentSyntax { Parent: ArgumentListSyntax { Arguments.Count: 1, Parent: InvocationExpressionSyntax whenAll } }
            || model.GetSymbolInfo(whenAll, cancellationToken).Symbol is not IMethodSymbol { Name: "WhenAll", ContainingType.Name: "Task" } whenAllMethod
            || whenAll.Parent is not AwaitExpressionSyntax awaited)
        {
            return false;
        }

        // An element type that does not bind (its using being typed) cannot be written in the List<T> that collects the results.
        var element = whenAllMethod.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } task && task.TypeArguments[0] is IArrayTypeSymbol { ElementType.TypeKind: not TypeKind.Error } array ? array.ElementType : null;
        var list = element is null ? null : Analyzers.Knowledge.KnownTypes.ResolveOne(model.Compilation, "System.Collections.Generic.List`1")?.Construct(element);
        var operation = body is AwaitExpressionSyntax inner ? inner.Expression : body;
        switch (awaited.Parent)
        {
            case ExpressionStatementSyntax statement:
                shape = new Shape(statement, lambda, source, operation, null, null);
                return true;

            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } declarator }
                when list is not null:
                shape = new Shape(statement, lambda, source, operation, declarator.Identifier.ValueText, list);
                return true;

            default:
                return false;
        }
    }

    private static async Task<Document> RewriteAsync(Document document, SyntaxNode root, Shape shape, CancellationToken cancellationToken)
    {
        var awaitOperation = AwaitExpression(shape.Operation.WithoutTrivia());
        StatementSyntax[] replacement;
        if (shape.Result is null)
        {
            replacement = new StatementSyntax[] { Loop(shape, ExpressionStatement(awaitOperation)) };
        }
        else
        {
            // The results in order, as WhenAll gave them, still an array for the code that follows.
            var listType = ((TypeSyntax)SyntaxGenerator.GetGenerator(document).TypeExpression(shape.ListType!)).WithAdditionalAnnotations(Simplifier.Annotation);
            var list = FreeName(shape.Statement, shape.Result + "List");
            replacement = new StatementSyntax[]
            {
                LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(
                    VariableDeclarator(Identifier(list)).WithInitializer(EqualsValueClause(ObjectCreationExpression(listType).WithArgumentList(ArgumentList())))))),
                Loop(shape, ExpressionStatement(InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(list), IdentifierName("Add")),
                    ArgumentList(SingletonSeparatedList(Argument(awaitOperation)))))),
                LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(
                    VariableDeclarator(Identifier(shape.Result)).WithInitializer(EqualsValueClause(InvocationExpression(
                        MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(list), IdentifierName("ToArray")))))))),
            };
        }

        var annotated = replacement.Select((s, i) => (i == 0 ? s.WithLeadingTrivia(shape.Statement.GetLeadingTrivia()) : s)
            .WithAdditionalAnnotations(Formatter.Annotation, Simplifier.Annotation));
        var changed = document.WithSyntaxRoot(shape.Statement.Parent switch
        {
            // A top-level program's statements are each wrapped in a global statement: the wrapper is what the list holds.
            GlobalStatementSyntax global => root.ReplaceNode(global, annotated.Select(GlobalStatement)),
            BlockSyntax or SwitchSectionSyntax => root.ReplaceNode(shape.Statement, annotated),

            // The body of an if or a loop without braces holds one statement.
            _ => root.ReplaceNode(shape.Statement, Block(annotated)),
        });
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The context the operation runs on (a field, property or parameter) and a factory for it the type holds.</summary>
    private static bool TryFindContextFactory(Document document, SyntaxNode use, SemanticModel model, CancellationToken cancellationToken, out ISymbol target, out string factory)
    {
        target = null!;
        factory = null!;
        var invocation = use.FirstAncestorOrSelf<InvocationExpressionSyntax>();
        if (invocation is null
            || model.GetOperation(invocation, cancellationToken) is not Microsoft.CodeAnalysis.Operations.IInvocationOperation operation
            || Analyzers.Knowledge.DatabaseTypeCatalog.TryCreate(model.Compilation, document.Project.AnalyzerOptions.AnalyzerConfigOptionsProvider)?.For(model.SyntaxTree) is not { } types
            || !Analyzers.Knowledge.DatabaseOperations.TryGetTarget(operation, types, null, out target, out var contextType)
            || Analyzers.Knowledge.KnownTypes.ResolveOne(model.Compilation, "Microsoft.EntityFrameworkCore.IDbContextFactory`1") is not { } definition
            || model.GetEnclosingSymbol(invocation.SpanStart, cancellationToken)?.ContainingType is not { } type)
        {
            return false;
        }

        factory = TypeMembers.FindInstanceMember(type, definition.Construct(contextType))!;
        return factory is not null;
    }

    /// <summary><c>id => db.Orders.FindAsync(id)</c> becomes an async lambda that creates, uses and disposes its own context.</summary>
    private static Task<Document> ContextPerTaskAsync(Document document, SyntaxNode root, SemanticModel model, SimpleLambdaExpressionSyntax lambda, ISymbol target, string factory, CancellationToken cancellationToken)
    {
        var local = "context";
        var taken = lambda.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToImmutableHashSet();
        for (var i = 2; taken.Contains(local); i++)
        {
            local = "context" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var body = (ExpressionSyntax)SymbolUses.ReplaceWithLocal(lambda, target, local, model, cancellationToken).Body;
        var operation = body is AwaitExpressionSyntax awaited ? awaited.Expression : body;
        var returnsValue = model.GetSymbolInfo(lambda, cancellationToken).Symbol is IMethodSymbol { ReturnType: INamedTypeSymbol { IsGenericType: true } };
        StatementSyntax use = returnsValue ? ReturnStatement(AwaitExpression(operation.WithoutTrivia())) : ExpressionStatement(AwaitExpression(operation.WithoutTrivia()));
        var create = LocalDeclarationStatement(VariableDeclaration(IdentifierName("var"), SingletonSeparatedList(
                VariableDeclarator(Identifier(local)).WithInitializer(EqualsValueClause(AwaitExpression(InvocationExpression(
                    MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, IdentifierName(factory), IdentifierName("CreateDbContextAsync")))))))))
            .WithAwaitKeyword(Token(SyntaxKind.AwaitKeyword))
            .WithUsingKeyword(Token(SyntaxKind.UsingKeyword));
        var block = Block(create, use)
            .WithOpenBraceToken(Token(SyntaxKind.OpenBraceToken).WithTrailingTrivia(ElasticCarriageReturnLineFeed));
        var rewritten = lambda.WithAsyncKeyword(Token(SyntaxKind.AsyncKeyword).WithTrailingTrivia(Space))
            .WithExpressionBody(null)
            .WithBlock(block)
            .WithAdditionalAnnotations(Formatter.Annotation);
        return Formatter.FormatAsync(document.WithSyntaxRoot(root.ReplaceNode(lambda, rewritten)), Formatter.Annotation, cancellationToken: cancellationToken);
    }

    private static ForEachStatementSyntax Loop(Shape shape, StatementSyntax body)
        => ForEachStatement(IdentifierName("var"), shape.Item.Identifier.WithoutTrivia(), shape.Source.WithoutTrivia(), Block(body));

    private static string FreeName(SyntaxNode scope, string name)
    {
        var block = scope.FirstAncestorOrSelf<BlockSyntax>() ?? scope;
        var taken = block.DescendantTokens().Where(t => t.IsKind(SyntaxKind.IdentifierToken)).Select(t => t.ValueText).ToImmutableHashSet();
        var candidate = name;
        for (var i = 2; taken.Contains(candidate); i++)
        {
            candidate = name + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return candidate;
    }

    private readonly struct Shape
    {
        public Shape(StatementSyntax statement, SimpleLambdaExpressionSyntax lambda, ExpressionSyntax source, ExpressionSyntax operation, string? result, ITypeSymbol? listType)
        {
            Statement = statement;
            Lambda = lambda;
            Item = lambda.Parameter;
            Source = source;
            Operation = operation;
            Result = result;
            ListType = listType;
        }

        /// <summary>The statement that awaits <c>Task.WhenAll</c>.</summary>
        public StatementSyntax Statement { get; }

        /// <summary>The lambda each item runs.</summary>
        public SimpleLambdaExpressionSyntax Lambda { get; }

        /// <summary>The lambda's parameter: the loop variable.</summary>
        public ParameterSyntax Item { get; }

        /// <summary>What <c>Select</c> runs over.</summary>
        public ExpressionSyntax Source { get; }

        /// <summary>The operation each item starts (the lambda's body, without its own <c>await</c>).</summary>
        public ExpressionSyntax Operation { get; }

        /// <summary>The variable that kept the results, in the declaration form.</summary>
        public string? Result { get; }

        /// <summary><c>List&lt;T&gt;</c> of what each operation gives, in the declaration form.</summary>
        public ITypeSymbol? ListType { get; }
    }
}
