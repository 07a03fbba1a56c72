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
}
