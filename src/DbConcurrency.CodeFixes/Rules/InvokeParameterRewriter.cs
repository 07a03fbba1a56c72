using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using static Microsoft.CodeAnalysis.CSharp.SyntaxFactory;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// Conventional middleware is built once, but ASP.NET Core fills the parameters of <c>Invoke</c>/<c>InvokeAsync</c>
/// from the request's scope on every call. Moves a dependency from the constructor (and the field that kept it)
/// to that method, when that method is its only user.
/// </summary>
internal static class InvokeParameterRewriter
{
    /// <summary>
    /// The <c>Invoke</c>/<c>InvokeAsync</c> that uses the dependency, when it is the only member that does and the
    /// constructor stores it in a statement of its own (an expression-bodied constructor would be left without a body).
    /// </summary>
    public static MethodDeclarationSyntax? FindInvoke(InjectedFactoryPlan plan)
    {
        if (plan.UseSites.Length != 1
            || plan.UseSites[0].Owner is not MethodDeclarationSyntax { Identifier.ValueText: "Invoke" or "InvokeAsync", ParameterList.Parameters.Count: > 0 } invoke
            || plan.StorageWrites.Any(write => write.FirstAncestorOrSelf<ExpressionStatementSyntax>() is null))
        {
            return null;
        }

        return invoke;
    }

    public static async Task<Document> ApplyAsync(InjectedFactoryPlan plan, MethodDeclarationSyntax invoke, CancellationToken cancellationToken)
    {
        var document = plan.Document;
        var root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        var model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return document;
        }

        var site = plan.UseSites[0];
        var name = plan.LocalName(model, site, cancellationToken);
        var removed = new List<SyntaxNode> { plan.ParameterSyntax };
        if (plan.Storage is VariableDeclaratorSyntax declarator)
        {
            removed.Add(declarator.Parent!.Parent!);
        }
        else if (plan.Storage is PropertyDeclarationSyntax property)
        {
            removed.Add(property);
        }

        removed.AddRange(plan.StorageWrites.Select(write => write.FirstAncestorOrSelf<ExpressionStatementSyntax>()).OfType<SyntaxNode>());

        var tracked = root.TrackNodes(removed.Concat(site.Uses).Append(invoke));
        tracked = tracked.ReplaceNodes(site.Uses.Select(use => tracked.GetCurrentNode(use)!), (original, _) => IdentifierName(name).WithTriviaFrom(original));

        var currentInvoke = tracked.GetCurrentNode(invoke)!;
        var parameter = Parameter(Identifier(name)).WithType(plan.ParameterSyntax.Type!.WithoutTrivia().WithTrailingTrivia(Space));
        tracked = tracked.ReplaceNode(currentInvoke, currentInvoke.AddParameterListParameters(parameter).WithAdditionalAnnotations(Formatter.Annotation));
        tracked = tracked.RemoveNodes(removed.Select(node => tracked.GetCurrentNode(node)!), SyntaxRemoveOptions.KeepUnbalancedDirectives)!;

        document = document.WithSyntaxRoot(tracked);
        return await Formatter.FormatAsync(document, Formatter.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
