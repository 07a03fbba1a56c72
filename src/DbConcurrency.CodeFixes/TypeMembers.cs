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

    /// <summary>
    /// The name of an instance field or property of <paramref name="type"/> whose type is <paramref name="memberType"/>
    /// (an injected <c>IDbContextFactory&lt;T&gt;</c>, say), other than <paramref name="except"/>.
    /// </summary>
    public static string? FindInstanceMember(INamedTypeSymbol type, ITypeSymbol memberType, ISymbol? except = null)
    {
        foreach (var member in type.GetMembers())
        {
            var candidate = member switch
            {
                IFieldSymbol { IsImplicitlyDeclared: false, IsStatic: false } field => field.Type,
                IPropertySymbol { IsStatic: false, IsIndexer: false } property => property.Type,
                _ => null,
            };

            if (candidate is not null && SymbolEqualityComparer.Default.Equals(candidate, memberType) && !SymbolEqualityComparer.Default.Equals(member, except))
            {
                return member.Name;
            }
        }

        return null;
    }

    private static bool IsSystemType(ITypeSymbol type, string name)
        => type.Name == name && type.ContainingNamespace is { Name: "System", ContainingNamespace.IsGlobalNamespace: true };
}
