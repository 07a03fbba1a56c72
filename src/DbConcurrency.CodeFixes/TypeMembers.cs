using System.Linq;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.CodeFixes;

/// <summary>What a type can do, asked by the fixes before they write code that calls it.</summary>
internal static class TypeMembers
{
    public static bool HasMethod(ITypeSymbol type, string name)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (current.GetMembers(name).Any(m => m is IMethodSymbol))
            {
                return true;
            }
        }

        return type.AllInterfaces.Any(i => i.GetMembers(name).Any(m => m is IMethodSymbol));
    }

    public static bool IsDisposable(ITypeSymbol type)
        => type.SpecialType == SpecialType.System_IDisposable
            || type.AllInterfaces.Any(i => i.SpecialType == SpecialType.System_IDisposable);

    public static bool IsAsyncDisposable(ITypeSymbol type)
        => IsSystemType(type, "IAsyncDisposable") || type.AllInterfaces.Any(i => IsSystemType(i, "IAsyncDisposable"));

    /// <summary><c>Task</c>, <c>Task&lt;T&gt;</c>, <c>ValueTask</c>, <c>ValueTask&lt;T&gt;</c>: what a method hands back while its work may still run.</summary>
    public static bool IsTaskLike(ITypeSymbol? type)
        => type is INamedTypeSymbol { Name: "Task" or "ValueTask" } named
           && named.ContainingNamespace?.ToDisplayString() == "System.Threading.Tasks";

    private static bool IsSystemType(ITypeSymbol type, string name)
        => type.Name == name && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };
}
