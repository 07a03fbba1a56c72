using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The one place that answers "is this use guarded, and by what": every rule that must stay silent
/// about synchronized access asks here, so a guard recognised for one rule is recognised for all.
/// </summary>
internal static class GuardAnalysis
{
    /// <summary>
    /// Walks up from <paramref name="use"/> to the start of the method (or lambda) it runs in, looking for
    /// the innermost guard around it: a <c>lock</c> body, a <c>using (gate.EnterScope())</c> body, the branch
    /// of a condition that takes a guard, or an earlier statement that takes one and has not released it.
    /// </summary>
    /// <param name="inDelegate">
    /// True when the walk stopped at a lambda or local function: the use runs when that is called, so the
    /// guards of the enclosing method's callers say nothing about it either.
    /// </param>
    public static GuardState Find(IOperation use, GuardApis apis, out Guard guard, out bool inDelegate)
    {
        inDelegate = false;
        var current = use;
        for (var parent = use.Parent; parent is not null; current = parent, parent = parent.Parent)
        {
            switch (parent)
            {
                case IAnonymousFunctionOperation:
                case ILocalFunctionOperation:
                    // The body runs when it is called, not where it is written: a guard around the
                    // lambda's creation is not held when it runs.
                    guard = default;
                    inDelegate = true;
                    return GuardState.Unguarded;

                case ILockOperation lockOperation when current == lockOperation.Body
                                                        && GuardApis.TryGetLockStatementGuard(lockOperation, out guard):
                    // await inside lock is a compile error; the code is being typed, and it is not a guard.
                    return Awaits.Suspends(lockOperation.Body) ? GuardState.HeldAcrossAwait : GuardState.Guarded;

                case IUsingOperation usingOperation when current == usingOperation.Body
                                                         && apis.TryGetScopedLock(usingOperation.Resources, out guard):
                    return Awaits.Suspends(usingOperation.Body) ? GuardState.HeldAcrossAwait : GuardState.Guarded;

                case IConditionalOperation conditional when current == conditional.WhenTrue
                                                            && apis.TryGetAcquiringCondition(conditional.Condition, out guard):
                    return StateOf(guard, conditional.WhenTrue);

                case IBlockOperation block when TryFindEarlierAcquire(block, current, apis, out guard, out var acquiredAt):
                    return guard.HoldsAcrossAwait || !SuspendsWhileHeld(block, acquiredAt, guard, apis)
                        ? GuardState.Guarded
                        : GuardState.HeldAcrossAwait;
            }
        }

        guard = default;
        return GuardState.Unguarded;
    }

    private static GuardState StateOf(Guard guard, IOperation region)
        => guard.HoldsAcrossAwait || !Awaits.Suspends(region) ? GuardState.Guarded : GuardState.HeldAcrossAwait;

    /// <summary>
    /// The nearest statement before <paramref name="current"/> in <paramref name="block"/> that takes a guard
    /// still held at <paramref name="current"/>: <c>Monitor.Enter(x); try { use }</c>,
    /// <c>await sem.WaitAsync(); use; sem.Release();</c>, <c>if (!Monitor.TryEnter(x)) return;</c>.
    /// </summary>
    private static bool TryFindEarlierAcquire(IBlockOperation block, IOperation current, GuardApis apis, out Guard guard, out int acquiredAt)
    {
        var statements = block.Operations;
        var index = statements.IndexOf(current);
        for (var i = index - 1; i >= 0; i--)
        {
            var statement = statements[i];
            if ((apis.TryGetAcquiringStatement(statement, out guard) || IsExitUnlessAcquired(statement, apis, out guard))
                && !IsReleasedBetween(statements, i + 1, index, guard, apis))
            {
                acquiredAt = i;
                return true;
            }
        }

        guard = default;
        acquiredAt = -1;
        return false;
    }

    /// <summary><c>if (Interlocked.CompareExchange(ref busy, 1, 0) != 0) return;</c> and its kin.</summary>
    private static bool IsExitUnlessAcquired(IOperation statement, GuardApis apis, out Guard guard)
    {
        guard = default;
        return statement is IConditionalOperation { WhenFalse: null } conditional
               && AlwaysExits(conditional.WhenTrue)
               && apis.TryGetAcquiringCondition(conditional.Condition, out guard);
    }

    private static bool AlwaysExits(IOperation operation)
    {
        while (operation is IBlockOperation { Operations.Length: > 0 } block)
        {
            operation = block.Operations[block.Operations.Length - 1];
        }

        return operation is IReturnOperation or IThrowOperation or IBranchOperation
               || operation is IExpressionStatementOperation { Operation: IThrowOperation };
    }

    private static bool IsReleasedBetween(ImmutableArray<IOperation> statements, int start, int end, Guard guard, GuardApis apis)
    {
        for (var i = start; i < end; i++)
        {
            if (apis.IsReleaseOf(statements[i], guard) || apis.ReleasesInFinally(statements[i], guard))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the method can suspend between taking a thread-affine guard and releasing it: from the
    /// statement after the acquire to the release (a release statement, or a <c>try</c> whose
    /// <c>finally</c> releases), or to the end of the block.
    /// </summary>
    private static bool SuspendsWhileHeld(IBlockOperation block, int acquiredAt, Guard guard, GuardApis apis)
    {
        var statements = block.Operations;
        for (var i = acquiredAt + 1; i < statements.Length; i++)
        {
            var statement = statements[i];
            if (apis.IsReleaseOf(statement, guard))
            {
                return false;
            }

            if (Awaits.Suspends(statement))
            {
                return true;
            }

            if (apis.ReleasesInFinally(statement, guard))
            {
                return false;
            }
        }

        return false;
    }
}
