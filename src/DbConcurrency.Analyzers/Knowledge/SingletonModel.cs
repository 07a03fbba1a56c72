using System.Collections.Generic;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>Why a type lives as long as the process, as messages say it.</summary>
internal enum SingletonRole
{
    /// <summary>Registered with a singleton lifetime.</summary>
    Registered,

    /// <summary>An <c>IHostedService</c> (every <c>BackgroundService</c>): the host keeps one for its whole life.</summary>
    HostedService,

    /// <summary>Conventional middleware: built once when the pipeline is built; its constructor's dependencies live with it.</summary>
    Middleware,

    /// <summary>The classic pattern: the type keeps a static instance of itself.</summary>
    StaticInstance,
}

/// <summary>A member of a long-lived type through which it holds a database object, and the chain that leads there.</summary>
internal readonly struct Capture
{
    public Capture(ISymbol member, ITypeSymbol memberType, ITypeSymbol objectType, ImmutableArray<string> chain)
    {
        Member = member;
        MemberType = memberType;
        ObjectType = objectType;
        Chain = chain;
    }

    /// <summary>The constructor parameter, field or auto-property.</summary>
    public ISymbol Member { get; }

    public ITypeSymbol MemberType { get; }

    /// <summary>The database object at the end of the chain.</summary>
    public ITypeSymbol ObjectType { get; }

    /// <summary>"CustomerLookup (scoped)", …, "CrmContext (DbContext)": from the member's type to the object.</summary>
    public ImmutableArray<string> Chain { get; }
}

/// <summary>
/// The lifetime model of one compilation: which types live for the whole process (singleton registrations,
/// hosted services, conventional middleware, static instances) and which of them hold a database object,
/// directly or through services registered scoped or transient that hold one (a captive dependency).
/// Built at compilation end from what the analyzer collected; not shared between threads.
/// </summary>
internal sealed class SingletonModel
{
    // Services that take services that take services: deep enough for layered code, bounded for cycles.
    private const int MaxDepth = 6;

    private readonly DatabaseTypeCatalog _catalog;
    private readonly Dictionary<ISymbol, List<ServiceRegistration>> _byService = new(SymbolEqualityComparer.Default);
    private readonly HashSet<ISymbol> _injectedMembers;
    private readonly Dictionary<ISymbol, List<ISymbol>> _storedIn;
    private readonly HashSet<ISymbol> _guardedMembers;
    private readonly Dictionary<ITypeSymbol, ImmutableArray<Capture>> _captures = new(SymbolEqualityComparer.Default);

    public SingletonModel(
        DatabaseTypeCatalog catalog,
        IEnumerable<ServiceRegistration> registrations,
        IEnumerable<(IParameterSymbol Parameter, ISymbol Member)> injections,
        IEnumerable<ISymbol> guardedMembers)
    {
        _catalog = catalog;
        foreach (var registration in registrations)
        {
            if (registration.ServiceType is { } service)
            {
                if (!_byService.TryGetValue(service.OriginalDefinition, out var list))
                {
                    _byService[service.OriginalDefinition] = list = new List<ServiceRegistration>();
                }

                list.Add(registration);
            }
        }

        _injectedMembers = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        _storedIn = new Dictionary<ISymbol, List<ISymbol>>(SymbolEqualityComparer.Default);
        foreach (var (parameter, member) in injections)
        {
            _injectedMembers.Add(member);
            if (!_storedIn.TryGetValue(parameter, out var members))
            {
                _storedIn[parameter] = members = new List<ISymbol>();
            }

            members.Add(member);
        }

        _guardedMembers = new HashSet<ISymbol>(guardedMembers, SymbolEqualityComparer.Default);
    }

    public static string Describe(SingletonRole role) => role switch
    {
        SingletonRole.HostedService => "hosted service",
        SingletonRole.Middleware => "middleware",
        _ => "singleton",
    };

    /// <summary>"connection", "DbContext": how a chain names the object it ends at.</summary>
    public static string Describe(DatabaseObjectKind kind) => kind switch
    {
        DatabaseObjectKind.Connection => "connection",
        DatabaseObjectKind.Command => "command",
        DatabaseObjectKind.Reader => "data reader",
        DatabaseObjectKind.Transaction => "transaction",
        DatabaseObjectKind.Batch => "batch",
        DatabaseObjectKind.Context => "DbContext",
        DatabaseObjectKind.Session => "session",
        _ => "database object",
    };

    public static string Link(ITypeSymbol type, string what) => DatabaseMember.DisplayName(type) + " (" + what + ")";

    /// <summary>
    /// The members through which <paramref name="type"/> holds a database object: constructor parameters that
    /// bring one in (directly or through scoped/transient services), and fields or auto-properties that store
    /// one the type made itself. Members whose every use holds one guard are synchronized sharing, not findings.
    /// </summary>
    public ImmutableArray<Capture> CapturesOf(INamedTypeSymbol type) => CapturesOf(type, MaxDepth);

    /// <summary>
    /// The chain from a service a singleton depends on to a database object, when the container would hand
    /// it one: the type is one, or is registered scoped or transient with an implementation that holds one.
    /// </summary>
    public bool TryResolve(ITypeSymbol dependency, out ITypeSymbol objectType, out ImmutableArray<string> chain)
        => TryResolve(dependency, MaxDepth, _catalog.For(FirstTree(dependency)), out objectType, out chain);

    private ImmutableArray<Capture> CapturesOf(INamedTypeSymbol type, int depth)
    {
        if (_captures.TryGetValue(type, out var known))
        {
            return known;
        }

        // Marked before the walk: a cycle through constructors finds nothing rather than recursing forever.
        _captures[type] = ImmutableArray<Capture>.Empty;
        var types = _catalog.For(FirstTree(type));
        var builder = ImmutableArray.CreateBuilder<Capture>();
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.IsImplicitlyDeclared || constructor.DeclaredAccessibility == Accessibility.Private && !HasSource(type))
            {
                continue;
            }

            foreach (var parameter in constructor.Parameters)
            {
                if (!StoredOnlyInGuardedMembers(parameter)
                    && TryResolve(parameter.Type, depth, types, out var objectType, out var chain))
                {
                    builder.Add(new Capture(parameter, parameter.Type, objectType, chain));
                }
            }
        }

        foreach (var member in DatabaseMember.DeclaredIn(type, _catalog, staticOnly: false))
        {
            if (!member.Symbol.IsStatic && !_injectedMembers.Contains(member.Symbol) && !_guardedMembers.Contains(member.Symbol))
            {
                var objectType = member.Match.ObjectType;
                builder.Add(new Capture(member.Symbol, member.Type, objectType, ImmutableArray.Create(Link(objectType, Describe(member.Match.Kind)))));
            }
        }

        var captures = builder.ToImmutable();
        _captures[type] = captures;
        return captures;
    }

    private bool TryResolve(ITypeSymbol dependency, int depth, DatabaseTypes types, out ITypeSymbol objectType, out ImmutableArray<string> chain)
    {
        objectType = dependency;
        chain = default;
        if (types.TryClassify(dependency, out var match))
        {
            objectType = match.ObjectType;
            chain = ImmutableArray.Create(Link(match.ObjectType, Describe(match.Kind)));
            return true;
        }

        if (depth == 0)
        {
            return false;
        }

        // IEnumerable<IHandler> gets every registered IHandler.
        if (dependency is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } sequence)
        {
            return TryResolve(sequence.TypeArguments[0], depth - 1, types, out objectType, out chain);
        }

        if (!_byService.TryGetValue(dependency.OriginalDefinition, out var registrations))
        {
            return false;
        }

        foreach (var registration in registrations)
        {
            // A singleton dependency is a root of its own, reported where it is declared.
            if (registration.Lifetime == ServiceLifetime.Singleton)
            {
                continue;
            }

            var lifetime = registration.Lifetime == ServiceLifetime.Scoped ? "scoped" : "transient";
            var built = registration.ConstructedType;
            if (built is not null)
            {
                if (types.TryClassify(built, out var builtMatch))
                {
                    objectType = builtMatch.ObjectType;
                    chain = ImmutableArray.Create(Link(builtMatch.ObjectType, Describe(builtMatch.Kind)));
                    return true;
                }

                var captures = CapturesOf(built, depth - 1);
                if (!captures.IsEmpty)
                {
                    objectType = captures[0].ObjectType;
                    chain = captures[0].Chain.Insert(0, Link(built, lifetime));
                    return true;
                }
            }

            foreach (var resolved in registration.ResolvedByFactory)
            {
                if (TryResolve(resolved, depth - 1, types, out objectType, out var inner))
                {
                    chain = inner.Insert(0, Link(built ?? dependency, lifetime));
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>A parameter kept only in fields whose every use takes one guard is shared under that guard.</summary>
    private bool StoredOnlyInGuardedMembers(IParameterSymbol parameter)
    {
        if (!_storedIn.TryGetValue(parameter, out var members))
        {
            return false;
        }

        foreach (var member in members)
        {
            if (!_guardedMembers.Contains(member))
            {
                return false;
            }
        }

        return true;
    }

    private static bool HasSource(ISymbol symbol) => symbol.Locations.Length > 0 && symbol.Locations[0].IsInSource;

    private static SyntaxTree? FirstTree(ISymbol symbol) => symbol.Locations.Length > 0 ? symbol.Locations[0].SourceTree : null;
}
