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
    private readonly ConcurrentDictionary<INamedTypeSymbol, Definition> _definitions = new(concurrencyLevel: 4, capacity: 1024, SymbolEqualityComparer.Default);

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

        if (type is not INamedTypeSymbol named)
        {
            return default;
        }

        var definition = DefinitionOf(named.OriginalDefinition);
        if (definition.IsSafe)
        {
            return default;
        }

        if (definition.IsUnsafe)
        {
            return new Result(type, definition.Kind, isContained: false);
        }

        if (definition.IsWrapper)
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

        if (!definition.IsEnumerable)
        {
            return default;
        }

        // List<T>, IGrouping<K, T>, IOrderedEnumerable<T>: the element is a type argument, read without building the
        // constructed type's interfaces (each distinct List<Order> would otherwise substitute them all).
        var element = definition.ElementOrdinal >= 0 ? named.TypeArguments[definition.ElementOrdinal] : GetEnumerableElement(named);
        return element is null ? default : Contained(Classify(element, depth + 1));
    }

    // What a type is depends on its definition alone (bases and interfaces are the definition's, constructed):
    // List<Order> in every module shares the one walk of List<T>'s hierarchy.
    private Definition DefinitionOf(INamedTypeSymbol definition)
    {
        if (!_definitions.TryGetValue(definition, out var facts))
        {
            facts = _definitions.GetOrAdd(definition, Describe(definition));
        }

        return facts;
    }

    private Definition Describe(INamedTypeSymbol definition)
    {
        // ThreadLocal<T>, AsyncLocal<T>: each thread or flow sees its own value. A hand-off collection gives each item to one taker.
        if (DatabaseTypeNames.IsPerThreadHolder(definition) || DatabaseTypeNames.IsHandOff(definition))
        {
            return Definition.NeverAnObject;
        }

        var isSafe = false;
        var isUnsafe = false;
        DatabaseObjectKind kind = default;
        for (var current = definition; current is not null; current = current.BaseType)
        {
            isSafe |= _safe.Contains(current.OriginalDefinition);
            if (!isUnsafe && _unsafe.TryGetValue(current.OriginalDefinition, out kind))
            {
                isUnsafe = true;
            }
        }

        var sequence = definition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T ? definition : null;
        foreach (var @interface in definition.AllInterfaces)
        {
            var interfaceDefinition = @interface.OriginalDefinition;
            isSafe |= _safe.Contains(interfaceDefinition) || DatabaseTypeNames.IsHandOff(interfaceDefinition);
            if (!isUnsafe && _unsafe.TryGetValue(interfaceDefinition, out kind))
            {
                isUnsafe = true;
            }

            if (sequence is null && interfaceDefinition.SpecialType == SpecialType.System_Collections_Generic_IEnumerable_T)
            {
                sequence = @interface;
            }
        }

        if (isSafe)
        {
            return Definition.NeverAnObject;
        }

        var isEnumerable = !isUnsafe && sequence is not null && definition.SpecialType != SpecialType.System_String;
        return new Definition(
            isSafe: false,
            isUnsafe,
            isUnsafe ? kind : default,
            isWrapper: !isUnsafe && definition.IsGenericType && DatabaseTypeNames.IsWrapper(definition),
            isEnumerable,
            isEnumerable && sequence!.TypeArguments[0] is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Type } parameter
                && SymbolEqualityComparer.Default.Equals(parameter.DeclaringType, definition)
                ? parameter.Ordinal
                : -1);
    }

    private static ITypeSymbol? GetEnumerableElement(INamedTypeSymbol type)
    {
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

    /// <summary>What a type definition is, from its bases and interfaces: walked once per definition.</summary>
    private readonly struct Definition
    {
        public static readonly Definition NeverAnObject = new(isSafe: true, isUnsafe: false, default, isWrapper: false, isEnumerable: false, elementOrdinal: -1);

        public Definition(bool isSafe, bool isUnsafe, DatabaseObjectKind kind, bool isWrapper, bool isEnumerable, int elementOrdinal)
        {
            ElementOrdinal = elementOrdinal;
            IsSafe = isSafe;
            IsUnsafe = isUnsafe;
            Kind = kind;
            IsWrapper = isWrapper;
            IsEnumerable = isEnumerable;
        }

        /// <summary>Declared thread-safe (built in or <c>safe_types</c>), or a per-thread holder: never a finding.</summary>
        public bool IsSafe { get; }

        public bool IsUnsafe { get; }

        public DatabaseObjectKind Kind { get; }

        /// <summary>Lazy&lt;T&gt;, Task&lt;T&gt; and the like: holds what its type argument is.</summary>
        public bool IsWrapper { get; }

        /// <summary>A sequence (not a string): holds what its elements are.</summary>
        public bool IsEnumerable { get; }

        /// <summary>Which of the definition's own type parameters is the element type, or -1 when it is not one of them.</summary>
        public int ElementOrdinal { get; }
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
