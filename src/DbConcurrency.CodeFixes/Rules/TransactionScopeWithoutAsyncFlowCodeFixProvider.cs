using System.Collections.Immutable;
using System.Composition;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Microsoft.CodeAnalysis.Simplification;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC006: passes <c>TransactionScopeAsyncFlowOption.Enabled</c>, choosing the constructor that keeps every
/// argument already given (scope option, transaction options, timeout, transaction). The overloads that
/// take <c>EnterpriseServicesInteropOption</c> have no async-flow twin, so no fix is offered there.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(TransactionScopeWithoutAsyncFlowCodeFixProvider)), Shared]
public sealed class TransactionScopeWithoutAsyncFlowCodeFixProvider : CodeFixProvider
{
    public const string EnableAsyncFlowKey = "DBC006.EnableAsyncFlow";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.TransactionScopeWithoutAsyncFlow);

    // Each fix edits one creation's argument list; creations never overlap, so the batch fixer merges them.
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
            if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not BaseObjectCreationExpressionSyntax creation
                || CreateFixedArguments(creation, model, context.CancellationToken) is not { } arguments)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Create the TransactionScope with TransactionScopeAsyncFlowOption.Enabled",
                    _ => Task.FromResult(context.Document.WithSyntaxRoot(root.ReplaceNode(creation, creation.WithArgumentList(arguments)))),
                    EnableAsyncFlowKey),
                diagnostic);
        }
    }

    private static ArgumentListSyntax? CreateFixedArguments(BaseObjectCreationExpressionSyntax creation, SemanticModel model, CancellationToken cancellationToken)
    {
        if (model.GetOperation(creation, cancellationToken) is not IObjectCreationOperation { Constructor: { } constructor } operation)
        {
            return null;
        }

        var flowOption = model.Compilation.GetTypeByMetadataName(TransactionScopeWithoutAsyncFlowAnalyzer.AsyncFlowOptionTypeName);
        if (flowOption is null)
        {
            return null;
        }

        var enabled = SyntaxFactory.ParseExpression("global::" + TransactionScopeWithoutAsyncFlowAnalyzer.AsyncFlowOptionTypeName + ".Enabled")
            .WithAdditionalAnnotations(Simplifier.Annotation);
        var arguments = creation.ArgumentList ?? SyntaxFactory.ArgumentList();

        // Suppress spelled out: the right constructor is already chosen, only the value is wrong.
        foreach (var argument in operation.Arguments)
        {
            if (SymbolEqualityComparer.Default.Equals(argument.Parameter?.Type, flowOption)
                && argument.Syntax is ArgumentSyntax written)
            {
                return arguments.ReplaceNode(written, written.WithExpression(enabled.WithTriviaFrom(written.Expression)));
            }
        }

        var target = FindConstructorWithAsyncFlow(constructor, flowOption);
        if (target is null)
        {
            return null;
        }

        var added = SyntaxFactory.Argument(enabled);
        foreach (var argument in arguments.Arguments)
        {
            if (argument.NameColon is not null)
            {
                // Named arguments stay named, so the new one may sit last whatever the order.
                added = added.WithNameColon(SyntaxFactory.NameColon(target.Parameters[target.Parameters.Length - 1].Name));
                break;
            }
        }

        return arguments.AddArguments(added);
    }

    /// <summary>The constructor with the same parameters as <paramref name="current"/> plus the async-flow option last.</summary>
    private static IMethodSymbol? FindConstructorWithAsyncFlow(IMethodSymbol current, INamedTypeSymbol flowOption)
    {
        foreach (var candidate in current.ContainingType.InstanceConstructors)
        {
            var parameters = candidate.Parameters;
            if (parameters.Length != current.Parameters.Length + 1
                || !SymbolEqualityComparer.Default.Equals(parameters[parameters.Length - 1].Type, flowOption))
            {
                continue;
            }

            var same = true;
            for (var i = 0; i < current.Parameters.Length && same; i++)
            {
                same = SymbolEqualityComparer.Default.Equals(parameters[i].Type, current.Parameters[i].Type);
            }

            if (same)
            {
                return candidate;
            }
        }

        return null;
    }
}
