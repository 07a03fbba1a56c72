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
            if (!diagnostic.Properties.TryGetValue(OverlappingOperationsAnalyzer.ShapeProperty, out var shape) || shape != "Select"
                || !TryFindShape(root.FindNode(diagnostic.Location.SourceSpan), model, context.CancellationToken, out var found))
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

        var element = whenAllMethod.ReturnType is INamedTypeSymbol { TypeArguments.Length: 1 } task && task.TypeArguments[0] is IArrayTypeSymbol array ? array.ElementType : null;
        var list = element is null ? null : Analyzers.Knowledge.KnownTypes.ResolveOne(model.Compilation, "System.Collections.Generic.List`1")?.Construct(element);
        var operation = body is AwaitExpressionSyntax inner ? inner.Expression : body;
        switch (awaited.Parent)
        {
            case ExpressionStatementSyntax statement:
                shape = new Shape(statement, lambda.Parameter, source, operation, null, null);
                return true;

            case EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Variables.Count: 1, Parent: LocalDeclarationStatementSyntax statement } } declarator }
                when list is not null:
                shape = new Shape(statement, lambda.Parameter, source, operation, declarator.Identifier.ValueText, list);
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
        var changed = document.WithSyntaxRoot(root.ReplaceNode(shape.Statement, annotated));
        changed = await Simplifier.ReduceAsync(changed, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Formatter.FormatAsync(changed, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
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
        public Shape(StatementSyntax statement, ParameterSyntax item, ExpressionSyntax source, ExpressionSyntax operation, string? result, ITypeSymbol? listType)
        {
            Statement = statement;
            Item = item;
            Source = source;
            Operation = operation;
            Result = result;
            ListType = listType;
        }

        /// <summary>The statement that awaits <c>Task.WhenAll</c>.</summary>
        public StatementSyntax Statement { get; }

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
