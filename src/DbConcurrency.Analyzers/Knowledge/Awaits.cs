using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>Where a method may give up its thread: <c>await</c>, <c>await foreach</c>, <c>await using</c>.</summary>
internal static class Awaits
{
    /// <summary><c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c>, <c>ValueTask&lt;T&gt;</c>: what a method hands back while its work may still run.</summary>
    public static bool IsTaskLike(ITypeSymbol? type)
        => type is INamedTypeSymbol { Name: "Task" or "ValueTask", ContainingNamespace: { Name: "Tasks", ContainingNamespace: { Name: "Threading", ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } } } };

    /// <summary>
    /// True when <paramref name="operation"/> suspends the method that contains it. Lambdas and local
    /// functions inside it are other methods: their awaits suspend only themselves.
    /// </summary>
    public static bool Suspends(IOperation operation)
    {
        switch (operation)
        {
            case IAwaitOperation:
            case IForEachLoopOperation { IsAsynchronous: true }:
            case IUsingOperation { IsAsynchronous: true }:
            case IUsingDeclarationOperation { IsAsynchronous: true }:
                return true;
            case IAnonymousFunctionOperation:
            case ILocalFunctionOperation:
                return false;
        }

        foreach (var child in operation.ChildOperations)
        {
            if (Suspends(child))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>True when any statement of <paramref name="block"/> from <paramref name="start"/> on suspends.</summary>
    public static bool SuspendsFrom(IBlockOperation block, int start)
    {
        var statements = block.Operations;
        for (var i = start; i < statements.Length; i++)
        {
            if (Suspends(statements[i]))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Where the task kept in <paramref name="local"/> is first waited for after <paramref name="after"/>, within
    /// <paramref name="scope"/>: <c>await t</c>, <c>t.Wait()</c>, <c>t.Result</c>, <c>t.GetAwaiter().GetResult()</c>,
    /// or the end of a <c>Task.WhenAll</c>/<c>WhenAny</c> that takes it. Null when this code never waits for it.
    /// </summary>
    public static int? FirstWaitOf(ILocalSymbol local, IOperation scope, int after)
    {
        int? first = null;
        foreach (var operation in scope.Descendants())
        {
            if (operation is not ILocalReferenceOperation reference
                || reference.Syntax.SpanStart < after
                || (first is { } known && reference.Syntax.SpanStart >= known)
                || !SymbolEqualityComparer.Default.Equals(reference.Local, local))
            {
                continue;
            }

            var parent = reference.Parent;
            while (parent is IConversionOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" } or IArgumentOperation or IArrayInitializerOperation or IArrayCreationOperation)
            {
                if (parent is IArgumentOperation { Parent: IInvocationOperation { TargetMethod.Name: "WhenAll" or "WhenAny" } whenAll })
                {
                    first = whenAll.Syntax.Span.End;
                    break;
                }

                parent = parent.Parent;
            }

            if (parent is IAwaitOperation or IInvocationOperation { TargetMethod.Name: "Wait" or "GetAwaiter" } or IPropertyReferenceOperation { Property.Name: "Result" })
            {
                first = reference.Syntax.Span.End;
            }
        }

        return first;
    }

    /// <summary>The local a task is kept in where it starts: <c>var t = Task.Run(…);</c> or <c>t = Task.Run(…);</c>.</summary>
    public static ILocalSymbol? KeptIn(IOperation task)
    {
        var parent = task.Parent;
        while (parent is IConversionOperation or IInvocationOperation { TargetMethod.Name: "ConfigureAwait" or "AsTask" })
        {
            task = parent;
            parent = parent.Parent;
        }

        return parent switch
        {
            IVariableInitializerOperation { Parent: IVariableDeclaratorOperation declarator } => declarator.Symbol,
            ISimpleAssignmentOperation { Target: ILocalReferenceOperation local } assignment when assignment.Value == task => local.Local,
            _ => null,
        };
    }
}
