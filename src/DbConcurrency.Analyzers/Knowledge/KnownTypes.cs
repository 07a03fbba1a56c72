using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>The one place that looks types up by metadata name; everything else asks the catalogs.</summary>
internal static class KnownTypes
{
    /// <summary>
    /// Every type with this name the compilation can see. A name defined in two referenced assemblies
    /// (EF6 beside a polyfill, say) yields both rather than none.
    /// </summary>
    public static ImmutableArray<INamedTypeSymbol> Resolve(Compilation compilation, string metadataName)
        => compilation.GetTypesByMetadataName(metadataName);

    public static INamedTypeSymbol? ResolveOne(Compilation compilation, string metadataName)
    {
        var types = Resolve(compilation, metadataName);
        return types.Length == 0 ? null : types[0];
    }
}
