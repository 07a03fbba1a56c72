using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using DbConcurrency.Analyzers;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Editing;

namespace DbConcurrency.CodeFixes.Rules;

/// <summary>
/// DBC005: wraps the unguarded use in the guard the other uses take: <c>lock (_gate) { … }</c>, or
/// <c>await _gate.WaitAsync(); try { … } finally { _gate.Release(); }</c> for a semaphore. Not offered where
/// the wrapped code would be wrong: a thread-affine guard around an await, a guard released before the task
/// it should cover completes, a guard object out of reach.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(UnsynchronizedUseCodeFixProvider)), Shared]
public sealed class UnsynchronizedUseCodeFixProvider : CodeFixProvider
{
    public const string TakeGuardKey = "DBC005.TakeGuard";

    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticIds.UnsynchronizedUse);

    public override FixAllProvider GetFixAllProvider() => FixAll;

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        foreach (var diagnostic in context.Diagnostics)
        {
            var plan = await GuardWrapPlan.TryCreateAsync(context.Document, diagnostic, context.CancellationToken).ConfigureAwait(false);
            if (plan is null)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(Title(plan), cancellationToken => ApplyAsync(context.Document, new[] { plan }, cancellationToken), TakeGuardKey),
                diagnostic);
        }
    }

    private static string Title(GuardWrapPlan plan) => plan.Kind switch
    {
        GuardKind.Semaphore => $"Wait for the semaphore '{plan.Guard}' here too",
        GuardKind.Mutex => $"Wait for the mutex '{plan.Guard}' here too",
        _ => $"Take the lock on '{plan.Guard}' here too",
    };

    private static async Task<Document> ApplyAsync(Document document, IEnumerable<GuardWrapPlan> plans, CancellationToken cancellationToken)
    {
        var editor = await DocumentEditor.CreateAsync(document, cancellationToken).ConfigureAwait(false);
        foreach (var plan in plans)
        {
            GuardWrapRewriter.Apply(editor, plan);
        }

        return editor.GetChangedDocument();
    }

    /// <summary>
    /// Several uses often sit in one statement or one widened range: each range is wrapped once, a range
    /// inside another is covered by the outer one, and overlapping ranges are merged into one.
    /// </summary>
    private static readonly FixAllProvider FixAll = FixAllProvider.Create(async (fixAllContext, document, diagnostics) =>
    {
        var plans = new List<GuardWrapPlan>();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            var plan = await GuardWrapPlan.TryCreateAsync(document, diagnostic, fixAllContext.CancellationToken).ConfigureAwait(false);
            if (plan is null)
            {
                continue;
            }

            var overlapping = plans.FindIndex(p => p.Overlaps(plan));
            if (overlapping < 0)
            {
                plans.Add(plan);
            }
            else
            {
                plans[overlapping] = plans[overlapping].Merge(plan);
            }
        }

        return await ApplyAsync(document, plans, fixAllContext.CancellationToken).ConfigureAwait(false);
    });
}
