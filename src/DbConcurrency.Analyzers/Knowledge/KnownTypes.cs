using System;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>The one place that looks types up by metadata name; everything else asks the catalogs.</summary>
internal static class KnownTypes
{
    // A lookup by metadata name visits every referenced assembly (hundreds in an ASP.NET Core app), and every
    // rule asks for the same names at the start of every compilation the IDE makes: each name is looked up
    // once per compilation, for all rules. Weak keys: a compilation the IDE drops takes its answers with it.
    private static readonly ConditionalWeakTable<Compilation, Lookups> Cache = new();
    private static readonly ConditionalWeakTable<Compilation, Lookups>.CreateValueCallback CreateLookups = compilation => new Lookups(compilation);

    /// <summary>
    /// Every type with this name the compilation can see. A name defined in two referenced assemblies
    /// (EF6 beside a polyfill, say) yields both rather than none.
    /// </summary>
    public static ImmutableArray<INamedTypeSymbol> Resolve(Compilation compilation, string metadataName)
        => Cache.GetValue(compilation, CreateLookups).Resolve(metadataName);

    public static INamedTypeSymbol? ResolveOne(Compilation compilation, string metadataName)
    {
        var types = Resolve(compilation, metadataName);
        return types.Length == 0 ? null : types[0];
    }

    /// <summary>
    /// True when <paramref name="type"/> is, or is constructed from, <paramref name="known"/> (a type resolved once per
    /// compilation). Asked of every call and creation, mostly about other types: the names, compared first, tell
    /// those apart without going to the symbols.
    /// </summary>
    public static bool IsDefinitionOf(INamedTypeSymbol? type, INamedTypeSymbol? known)
        => known is not null && type is not null && type.Name == known.Name && SymbolEqualityComparer.Default.Equals(type.OriginalDefinition, known);

    /// <summary>True when <paramref name="type"/> implements <paramref name="interface"/> (its definition, for a generic one).</summary>
    public static bool Implements(INamedTypeSymbol type, INamedTypeSymbol? @interface)
    {
        if (@interface is null)
        {
            return false;
        }

        foreach (var candidate in type.AllInterfaces)
        {
            if (IsDefinitionOf(candidate, @interface))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True when <paramref name="type"/> is <paramref name="name"/> declared in the namespace
    /// <paramref name="dottedNamespace"/>: for the framework's own shapes (Lazy, tuples, ThreadLocal), which
    /// every compilation has and no rule needs as symbols. Compares names in place; nothing is allocated.
    /// </summary>
    public static bool Is(ITypeSymbol type, string dottedNamespace, string name)
        => type.MetadataName == name && IsNamespace(type.ContainingNamespace, dottedNamespace);

    private static bool IsNamespace(INamespaceSymbol? space, string dotted)
    {
        var end = dotted.Length;
        while (end > 0)
        {
            if (space is null || space.IsGlobalNamespace)
            {
                return false;
            }

            var start = dotted.LastIndexOf('.', end - 1) + 1;
            var name = space.Name;
            if (name.Length != end - start || string.CompareOrdinal(dotted, start, name, 0, name.Length) != 0)
            {
                return false;
            }

            space = space.ContainingNamespace;
            end = start - 1;
        }

        return space is null || space.IsGlobalNamespace;
    }

    private sealed class Lookups
    {
        private readonly ConcurrentDictionary<string, ImmutableArray<INamedTypeSymbol>> _byName = new(StringComparer.Ordinal);
        private readonly Func<string, ImmutableArray<INamedTypeSymbol>> _lookUp;
        private readonly Compilation _compilation;

        public Lookups(Compilation compilation)
        {
            _compilation = compilation;
            _lookUp = LookUp;
        }

        public ImmutableArray<INamedTypeSymbol> Resolve(string metadataName) => _byName.GetOrAdd(metadataName, _lookUp);

        // Down the compilation's merged namespaces, which binding has already filled for every namespace the code
        // uses: a lookup by metadata name would ask each referenced assembly in turn. A name no namespace has
        // (a library not referenced) ends at the first missing part.
        private ImmutableArray<INamedTypeSymbol> LookUp(string metadataName)
        {
            var typeStart = metadataName.LastIndexOf('.') + 1;
            INamespaceSymbol? space = _compilation.GlobalNamespace;
            var start = 0;
            while (space is not null && start < typeStart)
            {
                var end = metadataName.IndexOf('.', start);
                space = NamespaceMember(space, metadataName.Substring(start, end - start));
                start = end + 1;
            }

            if (space is null)
            {
                return ImmutableArray<INamedTypeSymbol>.Empty;
            }

            // Nested types are written Outer+Inner, generic ones Name`2.
            var names = metadataName.Substring(typeStart).Split('+');
            var found = Types(space, names[0]);
            for (var i = 1; i < names.Length && !found.IsEmpty; i++)
            {
                var nested = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
                foreach (var outer in found)
                {
                    nested.AddRange(Types(outer, names[i]));
                }

                found = nested.ToImmutable();
            }

            return found;
        }

        private static INamespaceSymbol? NamespaceMember(INamespaceSymbol space, string name)
        {
            foreach (var member in space.GetMembers(name))
            {
                if (member is INamespaceSymbol inner)
                {
                    return inner;
                }
            }

            return null;
        }

        private static ImmutableArray<INamedTypeSymbol> Types(INamespaceOrTypeSymbol container, string metadataName)
        {
            var tick = metadataName.IndexOf('`');
            return tick < 0
                ? container.GetTypeMembers(metadataName, 0)
                : int.TryParse(metadataName.Substring(tick + 1), out var arity)
                    ? container.GetTypeMembers(metadataName.Substring(0, tick), arity)
                    : ImmutableArray<INamedTypeSymbol>.Empty;
        }
    }
}
