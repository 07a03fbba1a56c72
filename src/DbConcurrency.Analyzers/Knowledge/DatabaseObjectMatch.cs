using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>A type found to be, or to hold, a non-thread-safe database object.</summary>
internal readonly struct DatabaseObjectMatch
{
    public DatabaseObjectMatch(ITypeSymbol objectType, DatabaseObjectKind kind, bool isContained)
    {
        ObjectType = objectType;
        Kind = kind;
        IsContained = isContained;
    }

    /// <summary>The database object's own type: the type itself, or the element a container holds.</summary>
    public ITypeSymbol ObjectType { get; }

    public DatabaseObjectKind Kind { get; }

    /// <summary>True when the type is a collection, array, <c>Lazy&lt;T&gt;</c>, task or tuple of the object.</summary>
    public bool IsContained { get; }
}
