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

    private static bool IsSystemType(ITypeSymbol type, string name)
        => type.Name == name && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };
}
