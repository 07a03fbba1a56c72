using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC001: replaces the static instance with a factory method and gives every member that used it an
/// instance of its own, created, opened and disposed there. Offered only when the rewrite keeps the
/// program's meaning (see <see cref="PerUseFactoryPlan"/>).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(StaticDatabaseObjectCodeFixProvider)), Shared]
public sealed class StaticDatabaseObjectCodeFixProvider : CodeFixProvider
{
    public const string PerUseFactoryKey = "DBC001.PerUseFactory";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.StaticDatabaseObject);

    public override FixAllProvider GetFixAllProvider() => FixAll;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        var root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        foreach (var diagnostic in context.Diagnostics)
        {
            var declaration = FindDeclaration(root, diagnostic);
            if (declaration is null)
            {
                continue;
            }

            var plan = await PerUseFactoryPlan.TryCreateAsync(context.Document, declaration, context.CancellationToken).ConfigureAwait(false);
            if (plan is null)
            {
                continue;
            }

            var typeName = plan.MemberType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Create a new {typeName} per use with '{plan.FactoryName}()'",
                    cancellationToken => PerUseFactoryRewriter.ApplyAsync(plan, cancellationToken),
                    PerUseFactoryKey),
                diagnostic);
        }
    }

    private static SyntaxNode? FindDeclaration(SyntaxNode? root, Diagnostic diagnostic)
    {
        var node = root?.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
        return (SyntaxNode?)node?.FirstAncestorOrSelf<VariableDeclaratorSyntax>()
            ?? node?.FirstAncestorOrSelf<PropertyDeclarationSyntax>();
    }

    /// <summary>
    /// Fixes one member at a time, re-planning against the document as the previous fixes left it:
    /// two members of one type touch the same methods, so their edits cannot be merged blindly.
    /// </summary>
    private static readonly FixAllProvider FixAll = FixAllProvider.Create(async (fixAllContext, document, diagnostics) =>
    {
        var root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        var targets = new Dictionary<SyntaxNode, SyntaxAnnotation>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            if (FindDeclaration(root, diagnostic) is { } declaration && !targets.ContainsKey(declaration))
            {
                targets[declaration] = new SyntaxAnnotation();
            }
        }

        var annotations = targets.OrderBy(t => t.Key.SpanStart).Select(t => t.Value).ToList();
        document = document.WithSyntaxRoot(root.ReplaceNodes(targets.Keys, (original, rewritten) => rewritten.WithAdditionalAnnotations(targets[original])));
        foreach (var annotation in annotations)
        {
            var current = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
            var declaration = current?.GetAnnotatedNodes(annotation).FirstOrDefault();
            if (declaration is null)
            {
                continue;
            }

            var plan = await PerUseFactoryPlan.TryCreateAsync(document, declaration, fixAllContext.CancellationToken).ConfigureAwait(false);
            if (plan is not null)
            {
                document = await PerUseFactoryRewriter.ApplyAsync(plan, fixAllContext.CancellationToken).ConfigureAwait(false);
            }
        }

        return document;
    });
}
