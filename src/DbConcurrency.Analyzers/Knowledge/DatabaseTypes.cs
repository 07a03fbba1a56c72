using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Answers "is this type a database object that must not be shared between threads?" for one
/// compilation and one set of user settings. Built once per compilation (and once per distinct
/// <c>.editorconfig</c> value); answers are cached because every rule asks about the same few types.
/// </summary>
internal sealed class DatabaseTypes
{
    private const int MaxContainerDepth = 4;

    private readonly ImmutableDictionary<INamedTypeSymbol, DatabaseObjectKind> _unsafe;
    private readonly ImmutableHashSet<INamedTypeSymbol> _safe;
    // Every rule asks about every member's and receiver's type: sized for a large project's distinct types up front,
    // so the table is not regrown (under its locks) while the rules start.
    private readonly ConcurrentDictionary<ITypeSymbol, Result> _cache = new(concurrencyLevel: 4, capacity: 4096, SymbolEqualityComparer.Default);

    private DatabaseTypes(
        ImmutableDictionary<INamedTypeSymbol, DatabaseObjectKind> @unsafe,
        ImmutableHashSet<INamedTypeSymbol> safe)
    {
        _unsafe = @unsafe;
        _safe = safe;
    }

    public bool HasUnsafeTypes => _unsafe.Count > 0;

    /// <summary>The simple names of the database types (DbConnection, DbContext, …), for checks made on names alone.</summary>
    public IEnumerable<string> UnsafeTypeNames()
    {
        foreach (var type in _unsafe.Keys)
        {
            yield return type.Name;
        }
    }

    /// <summary>Resolves the built-in catalog, plus the user's additions and removals, in <paramref name="compilation"/>.</summary>
    public static DatabaseTypes Create(Compilation compilation, ImmutableArray<string> extraUnsafe, ImmutableArray<string> extraSafe)
    {
        var unsafeBuilder = ImmutableDictionary.CreateBuilder<INamedTypeSymbol, DatabaseObjectKind>(SymbolEqualityComparer.Default);
        foreach (var (name, kind) in DatabaseTypeNames.Unsafe)
        {
            foreach (var type in KnownTypes.Resolve(compilation, name))
            {
                unsafeBuilder[type] = kind;
            }
        }

        foreach (var name in extraUnsafe)
        {
            foreach (var type in KnownTypes.Resolve(compilation, name))
            {
                unsafeBuilder[type] = DatabaseObjectKind.Other;
            }
        }

        return new DatabaseTypes(
            unsafeBuilder.ToImmutable(),
            ResolveAll(compilation, DatabaseTypeNames.Safe, extraSafe));
    }

    /// <summary>True when <paramref name="type"/> is, or holds, a database object that is not thread-safe.</summary>
    public bool TryClassify(ITypeSymbol? type, out DatabaseObjectMatch match)
    {
        match = default;
        if (type is null || type.TypeKind == TypeKind.Error || _unsafe.Count == 0)
        {
            return false;
        }

        if (!_cache.TryGetValue(type, out var result))
        {
            result = _cache.GetOrAdd(type, Classify(type, depth: 0));
        }

        if (result.ObjectType is null)
        {
            return false;
        }

        match = new DatabaseObjectMatch(result.ObjectType, result.Kind, result.IsContained);
        return true;
    }

    /// <summary>True for <c>ThreadLocal&lt;T&gt;</c>, <c>AsyncLocal&lt;T&gt;</c>: each thread or flow sees its own value.</summary>
    public static bool IsPerThreadHolder(ITypeSymbol? type)
        => type is INamedTypeSymbol { IsGenericType: true } named && DatabaseTypeNames.IsPerThreadHolder(named.OriginalDefinition);

    /// <summary>True for a field marked <c>[ThreadStatic]</c>.</summary>
    public static bool IsThreadStatic(IFieldSymbol field)
    {
        foreach (var attribute in field.GetAttributes())
        {
            if (DatabaseTypeNames.IsThreadStaticAttribute(attribute.AttributeClass))
            {
                return true;
            }
        }

        return false;
    }

    private Result Classify(ITypeSymbol type, int depth)
    {
        if (depth > MaxContainerDepth || type.TypeKind is TypeKind.Error or TypeKind.Delegate or TypeKind.Pointer or TypeKind.FunctionPointer)
        {
            // A delegate that returns a connection is a factory, the remedy rather than the problem.
            return default;
        }

        if (type is IArrayTypeSymbol array)
        {
            return Contained(Classify(array.ElementType, depth + 1));
        }

        if (type is ITypeParameterSymbol typeParameter)
        {
            // A type parameter constrained to a database type (where T : DbContext) holds one.
            foreach (var constraint in typeParameter.ConstraintTypes)
            {
                var constrained = Classify(constraint, depth + 1);
                if (constrained.ObjectType is not null)
                {
                    return new Result(type, constrained.Kind, constrained.IsContained);
                }
            }

            return default;
        }

        if (type is not INamedTypeSymbol named || IsSafe(named) || IsPerThreadHolder(named))
        {
            return default;
        }

        if (TryGetUnsafeKind(named, out var kind))
        {
            return new Result(type, kind, isContained: false);
        }

        if (named.IsGenericType && DatabaseTypeNames.IsWrapper(named.OriginalDefinition))
        {
            foreach (var argument in named.TypeArguments)
            {
                var inner = Classify(argument, depth + 1);
                if (inner.ObjectType is not null)
                {
                    return Contained(inner);
                }
            }

            return default;
        }

        var element = GetEnumerableElement(named);
        return element is null ? default : Contained(Classify(element, depth + 1));
    }

    private bool TryGetUnsafeKind(INamedTypeSymbol type, out DatabaseObjectKind kind)
    {
        for (var current = type; current is not null; current = current.BaseType)
        {
            if (_unsafe.TryGetValue(current.OriginalDefinition, out kind))
            {
                return true;
            }
        }

        if (type.TypeKind == TypeKind.Interface && _unsafe.TryGetValue(type.OriginalDefinition, out kind))
        {
            return true;
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (_unsafe.TryGetValue(@interface.OriginalDefinition, out kind))
            {
                return true;
            }
        }

        kind = default;
        return false;
    }

    private bool IsSafe(INamedTypeSymbol type)
    {
        if (_safe.Count == 0)
        {
            return false;
        }

        for (var current = type; current is not null; current = current.BaseType)
        {
            if (_safe.Contains(current.OriginalDefinition))
            {
                return true;
            }
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (_safe.Contains(@interface.OriginalDefinition))
            {
                return true;
            }
        }

        return false;
    }

    private static ITypeSymbol? GetEnumerableElement(INamedTypeSymbol type)
    {
        if (type.SpecialType == SpecialType.System_String)
        {
            return null;
        }

        if (type.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
        {
            return type.TypeArguments[0];
        }

        foreach (var @interface in type.AllInterfaces)
        {
            if (@interface.OriginalDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                return @interface.TypeArguments[0];
            }
        }

        return null;
    }

    private static Result Contained(Result inner)
        => inner.ObjectType is null ? default : new Result(inner.ObjectType, inner.Kind, isContained: true);

    private static ImmutableHashSet<INamedTypeSymbol> ResolveAll(Compilation compilation, ImmutableArray<string> names, ImmutableArray<string> extra)
    {
        var builder = ImmutableHashSet.CreateBuilder<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (var name in names)
        {
            builder.UnionWith(KnownTypes.Resolve(compilation, name));
        }

        foreach (var name in extra)
        {
            builder.UnionWith(KnownTypes.Resolve(compilation, name));
        }

        return builder.ToImmutable();
    }

    private readonly struct Result
    {
        public Result(ITypeSymbol objectType, DatabaseObjectKind kind, bool isContained)
        {
            ObjectType = objectType;
            Kind = kind;
            IsContained = isContained;
        }

        public ITypeSymbol? ObjectType { get; }

        public DatabaseObjectKind Kind { get; }

        public bool IsContained { get; }
    }
}
