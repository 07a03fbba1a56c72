using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

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
/// A lifetime is decided by registrations anywhere in the compilation, so the model reads them itself,
/// once, the first time a rule asks; every answer is cached. Safe to ask from concurrent callbacks.
/// </summary>
internal sealed class SingletonModel
{
    // Services that take services that take services: deep enough for layered code, bounded for cycles.
    private const int MaxDepth = 6;

    // Syntax only, keyed by tree: nothing of one compilation (no symbol, no model) outlives it here.
    private static readonly ConditionalWeakTable<SyntaxTree, Candidates> CandidateCache = new();
    private static readonly ConditionalWeakTable<SyntaxTree, Candidates>.CreateValueCallback ScanTree = Scan;

    private readonly object _gate = new();
    private readonly DatabaseTypeCatalog _catalog;
    private readonly DependencyInjectionApis _apis;
    private readonly GuardApis _guards;
    private readonly SemanticModels _models;
    private readonly Dictionary<ITypeSymbol, ImmutableArray<Capture>> _captures = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<ITypeSymbol, TypeFacts> _facts = new(SymbolEqualityComparer.Default);
    // Binding a registration is the costly step, and the same for every caller: it is done outside the model's lock,
    // so one type's lifetime question does not wait for another's (two threads may bind one call; both get the same).
    private readonly ConcurrentDictionary<(SyntaxTree Tree, Microsoft.CodeAnalysis.Text.TextSpan Span), ServiceRegistration?> _bound = new();
    private readonly ConcurrentDictionary<(string Name, CallKind Kind), RegistrationSet> _mentioning = new();
    private readonly object _indexGate = new();
    private readonly Dictionary<ISymbol, bool> _neededBySingletons = new(SymbolEqualityComparer.Default);
    private readonly Dictionary<string, List<INamedTypeSymbol>> _classesNamed = new(StringComparer.Ordinal);
    private CallIndex? _index;
    private CaptureReach? _reach;

    public SingletonModel(Compilation compilation, DatabaseTypeCatalog catalog, DependencyInjectionApis apis, GuardApis guards)
    {
        _catalog = catalog;
        _apis = apis;
        _guards = guards;
        _models = new SemanticModels(compilation);
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

    /// <summary>Why <paramref name="type"/> lives as long as the process, or null when it does not (as far as this compilation says).</summary>
    public SingletonRole? RoleOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (type.TypeKind != TypeKind.Class || type.IsAbstract || type.IsStatic || LifetimeOf(type, cancellationToken) is not { } role)
        {
            return null;
        }

        // A context or connection type is the shared object itself (DBC001 reports its static instance,
        // the registration reports it as a singleton); its own DbSets and members are not captures. Asked last:
        // most types live no longer than a scope, and a first look at a type walks its bases and interfaces.
        return _catalog.For(FirstTree(type)).TryClassify(type, out _) ? null : role;
    }

    private SingletonRole? LifetimeOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (_apis.IsHostedService(type))
        {
            return SingletonRole.HostedService;
        }

        if (_apis.IsConventionalMiddleware(type))
        {
            return SingletonRole.Middleware;
        }

        if (IsRegisteredSingleton(type, resolvable: false, cancellationToken))
        {
            return SingletonRole.Registered;
        }

        return KeepsStaticInstanceOfItself(type, cancellationToken) ? SingletonRole.StaticInstance : null;
    }

    /// <summary>
    /// False when no chain of constructors, fields and registrations can lead from <paramref name="type"/> to a
    /// database object: nothing to report, whatever its lifetime, so nobody binds a registration to find out.
    /// Most types of most code bases, and every type of code without database code.
    /// </summary>
    public bool MayHoldDatabaseObject(INamedTypeSymbol type) => ReachOf().Holders.Contains(type.Name);

    /// <summary>
    /// False when the registration-like <paramref name="call"/> cannot register a database object or anything that
    /// holds one: it names its types, and none of the names it mentions is a database type or leads to one. Answered
    /// from the file's syntax, read once: most singleton registrations of a code base are never bound. A call the
    /// model does not read as a candidate (its own registrations come from the same scan) is not one either.
    /// </summary>
    public bool MayRegisterDatabaseObject(SyntaxNode call)
        => CandidateCache.GetValue(call.SyntaxTree, ScanTree).At(call.Span) is { } candidate
           && (candidate.NamesNoType || ReachOf().LeadsOn(candidate.Names));

    /// <summary>
    /// The members through which <paramref name="type"/> holds a database object: constructor parameters that
    /// bring one in (directly or through scoped/transient services), and fields or auto-properties that store
    /// one the type made itself. Members whose every use holds one guard are synchronized sharing, not findings.
    /// </summary>
    public ImmutableArray<Capture> CapturesOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return RootCaptures(type.OriginalDefinition, cancellationToken);
        }
    }

    /// <summary>
    /// Why a singleton registration is a finding: what it registers is a database object, or what it builds
    /// holds one, or what its factory resolves does. The chain starts at the registered service.
    /// </summary>
    public bool TryExplain(ServiceRegistration registration, CancellationToken cancellationToken, out ITypeSymbol objectType, out ImmutableArray<string> chain)
    {
        lock (_gate)
        {
            return TryExplainCore(registration, cancellationToken, out objectType, out chain);
        }
    }

    /// <summary>
    /// Why resolving <paramref name="service"/> from the provider a long-lived type was given, the root provider, shares
    /// a database object: the service is registered scoped, so the root scope builds one and hands that one to every
    /// caller for the life of the process, and it is a database object or holds one. A transient service is built anew
    /// for each call, and a singleton is reported where it is registered. A context whose registration is not in sight
    /// counts as scoped: EF Core registers contexts scoped, and the registration is often in another project.
    /// </summary>
    public bool TryExplainRootResolution(ITypeSymbol service, SyntaxTree tree, CancellationToken cancellationToken, out ITypeSymbol objectType, out ImmutableArray<string> chain)
    {
        objectType = service;
        chain = default;
        var types = _catalog.For(tree);
        var isObject = types.TryClassify(service, out var match);
        if (!isObject && !ReachOf().Names.Contains(service.Name))
        {
            return false;
        }

        lock (_gate)
        {
            var registrations = RegistrationsMentioning(service.Name, CallKind.Singleton | CallKind.ScopedOrTransient, cancellationToken).WithService(service);
            foreach (var registration in registrations)
            {
                if (registration.Lifetime != ServiceLifetime.Scoped)
                {
                    return false;
                }
            }

            if (isObject)
            {
                if (registrations.Count == 0 && match.Kind != DatabaseObjectKind.Context)
                {
                    return false;
                }

                objectType = match.ObjectType;
                chain = ImmutableArray.Create(Link(match.ObjectType, Describe(match.Kind)));
                return true;
            }

            foreach (var registration in registrations)
            {
                if (TryFollow(registration, service, MaxDepth, types, cancellationToken, out objectType, out chain))
                {
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>True when <paramref name="member"/> of <paramref name="type"/> keeps what a constructor was given.</summary>
    public bool IsInjected(INamedTypeSymbol type, ISymbol member, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return FactsOf(type.OriginalDefinition, cancellationToken).Injected.Contains(member.OriginalDefinition);
        }
    }

    /// <summary>
    /// True when registering the service as scoped moves the problem nowhere: no other long-lived type takes it
    /// or resolves it, and it is not itself a hosted service or middleware.
    /// </summary>
    public bool CanBeScoped(ServiceRegistration registration, CancellationToken cancellationToken)
    {
        if (registration.Method == "AddHostedService"
            || (registration.ConstructedType is { } built && (_apis.IsHostedService(built) || _apis.IsConventionalMiddleware(built))))
        {
            return false;
        }

        lock (_gate)
        {
            return registration.ServiceType is not { } service || !NeededBySingletons(service, cancellationToken);
        }
    }

    private bool TryExplainCore(ServiceRegistration registration, CancellationToken cancellationToken, out ITypeSymbol objectType, out ImmutableArray<string> chain)
    {
        var service = registration.ServiceType ?? registration.ImplementationType!;
        var role = registration.Method == "AddHostedService" ? "hosted service" : "singleton";
        var registered = registration.ImplementationType ?? service;
        var types = _catalog.For(registration.Location.SourceTree);
        if (types.TryClassify(registered, out var match))
        {
            // The registered object is itself the database object: no capture, the object is the singleton.
            objectType = match.ObjectType;
            var objectLink = Link(match.ObjectType, Describe(match.Kind));
            chain = SymbolEqualityComparer.Default.Equals(registered, service) && SymbolEqualityComparer.Default.Equals(objectType, service)
                ? ImmutableArray.Create(DatabaseMember.DisplayName(service) + " (singleton " + Describe(match.Kind) + ")")
                : ImmutableArray.Create(Link(service, role), objectLink);
            return true;
        }

        if (registration.ConstructedType is { } built && ReachOf().Holders.Contains(built.Name))
        {
            var captures = RootCaptures(built.OriginalDefinition, cancellationToken);
            if (!captures.IsEmpty)
            {
                objectType = captures[0].ObjectType;
                chain = captures[0].Chain.Insert(0, Link(built, role));
                return true;
            }
        }

        foreach (var resolved in registration.ResolvedByFactory)
        {
            if (TryResolve(resolved, MaxDepth, types, cancellationToken, out objectType, out var inner))
            {
                // Display strings are made only for what is reported: most singletons hold nothing.
                chain = inner.Insert(0, Link(service, role));
                return true;
            }
        }

        objectType = service;
        chain = default;
        return false;
    }

    /// <summary>
    /// A hosted service nobody else resolves runs its own loop: a connection it opens for itself (a LISTEN
    /// loop, a queue reader) is used by that loop alone. What it is given in its constructor is still
    /// shared with the root scope, and everything it holds is shared once it is also a registered singleton.
    /// </summary>
    private ImmutableArray<Capture> RootCaptures(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        var captures = CapturesOf(type, MaxDepth, cancellationToken);
        var injected = 0;
        foreach (var capture in captures)
        {
            injected += capture.Member is IParameterSymbol ? 1 : 0;
        }

        // Only what the type made for itself depends on who resolves it: no registration is bound for the rest.
        if (injected == captures.Length || !_apis.IsHostedService(type) || IsRegisteredSingleton(type, resolvable: true, cancellationToken))
        {
            return captures;
        }

        var builder = ImmutableArray.CreateBuilder<Capture>(injected);
        foreach (var capture in captures)
        {
            if (capture.Member is IParameterSymbol)
            {
                builder.Add(capture);
            }
        }

        return builder.MoveToImmutable();
    }

    private ImmutableArray<Capture> CapturesOf(INamedTypeSymbol type, int depth, CancellationToken cancellationToken)
    {
        if (_captures.TryGetValue(type, out var known))
        {
            return known;
        }

        // Marked before the walk: a cycle through constructors finds nothing rather than recursing forever.
        _captures[type] = ImmutableArray<Capture>.Empty;
        var types = _catalog.For(FirstTree(type));
        var builder = ImmutableArray.CreateBuilder<Capture>();

        // What the constructor stores where, and which members one guard protects, takes a walk of the type's
        // bodies: only a type that keeps a database object in a field of its own needs it.
        var members = DatabaseMember.DeclaredIn(type, _catalog, staticOnly: false);
        // A primary constructor's parameter needs the facts only to tell whether a guard covers it.
        var hasInstanceMembers = GuardMentions.MayTakeGuard(type) && !DatabaseMember.PrimaryConstructorParameters(type, _catalog, cancellationToken).IsEmpty;
        foreach (var member in members)
        {
            hasInstanceMembers |= !member.Symbol.IsStatic;
        }

        var facts = hasInstanceMembers ? FactsOf(type, cancellationToken) : null;
        foreach (var constructor in type.InstanceConstructors)
        {
            if (constructor.IsImplicitlyDeclared || (constructor.DeclaredAccessibility == Accessibility.Private && !HasSource(type)))
            {
                continue;
            }

            foreach (var parameter in constructor.Parameters)
            {
                if (TryResolve(parameter.Type, depth, types, cancellationToken, out var objectType, out var chain)
                    && facts?.StoredOnlyInGuardedMembers(parameter) != true
                    && facts?.Guarded.Contains(parameter) != true)
                {
                    builder.Add(new Capture(parameter, parameter.Type, objectType, chain));
                }
            }
        }

        foreach (var member in members)
        {
            if (!member.Symbol.IsStatic && !facts!.Injected.Contains(member.Symbol) && !facts.Guarded.Contains(member.Symbol))
            {
                var objectType = member.Match.ObjectType;
                builder.Add(new Capture(member.Symbol, member.Type, objectType, ImmutableArray.Create(Link(objectType, Describe(member.Match.Kind)))));
            }
        }

        var captures = builder.ToImmutable();
        _captures[type] = captures;
        return captures;
    }

    private bool TryResolve(ITypeSymbol dependency, int depth, DatabaseTypes types, CancellationToken cancellationToken, out ITypeSymbol objectType, out ImmutableArray<string> chain)
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
            return TryResolve(sequence.TypeArguments[0], depth - 1, types, cancellationToken, out objectType, out chain);
        }

        // Only a service some holder can be registered as (or a factory names) can bring one in.
        if (!ReachOf().Names.Contains(dependency.Name))
        {
            return false;
        }

        foreach (var registration in RegistrationsOf(dependency, cancellationToken))
        {
            // A singleton dependency is a root of its own, reported where it is declared.
            if (registration.Lifetime != ServiceLifetime.Singleton
                && TryFollow(registration, dependency, depth, types, cancellationToken, out objectType, out chain))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>What a scoped or transient <paramref name="registration"/> of <paramref name="dependency"/> builds holds, or its factory resolves.</summary>
    private bool TryFollow(ServiceRegistration registration, ITypeSymbol dependency, int depth, DatabaseTypes types, CancellationToken cancellationToken, out ITypeSymbol objectType, out ImmutableArray<string> chain)
    {
        objectType = dependency;
        chain = default;
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

            var captures = CapturesOf(built.OriginalDefinition, depth - 1, cancellationToken);
            if (!captures.IsEmpty)
            {
                objectType = captures[0].ObjectType;
                chain = captures[0].Chain.Insert(0, Link(built, lifetime));
                return true;
            }
        }

        foreach (var resolved in registration.ResolvedByFactory)
        {
            if (TryResolve(resolved, depth - 1, types, cancellationToken, out objectType, out var inner))
            {
                chain = inner.Insert(0, Link(built ?? dependency, lifetime));
                return true;
            }
        }

        return false;
    }

    /// <summary>The registrations whose service is <paramref name="service"/> (or its open generic definition).</summary>
    private List<ServiceRegistration> RegistrationsOf(ITypeSymbol service, CancellationToken cancellationToken)
        // Asked while following a captive chain, which goes through scoped and transient services only.
        => RegistrationsMentioning(service.Name, CallKind.ScopedOrTransient, cancellationToken).WithService(service);

    /// <summary>True when a singleton registration builds <paramref name="type"/>; with <paramref name="resolvable"/>, one that other code can resolve (not just the host).</summary>
    private bool IsRegisteredSingleton(INamedTypeSymbol type, bool resolvable, CancellationToken cancellationToken)
    {
        foreach (var registration in RegistrationsMentioning(type.Name, CallKind.Singleton, cancellationToken).Building(type))
        {
            if (registration.Lifetime != ServiceLifetime.Singleton)
            {
                continue;
            }

            // Registered for the host only (AddHostedService, a descriptor for IHostedService): nobody else resolves it.
            if (!resolvable
                || (registration.Method != "AddHostedService"
                    && !(registration.ServiceType is { } hosted && SymbolEqualityComparer.Default.Equals(hosted, _apis.HostedService))))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The registrations among the calls whose text names <paramref name="name"/>, or names no type at all
    /// (<c>AddSingleton(instance)</c>). Binding a call costs a semantic model's walk of its method: only the
    /// calls a question is about are bound, each once; and each name's answer is kept, since a name shared by
    /// many types (a Handler in every feature folder) is asked once per type.
    /// </summary>
    private RegistrationSet RegistrationsMentioning(string name, CallKind kind, CancellationToken cancellationToken)
    {
        if (!_apis.HasRegistrations)
        {
            return RegistrationSet.Empty;
        }

        if (_mentioning.TryGetValue((name, kind), out var known))
        {
            return known;
        }

        var index = Index();
        var registrations = new List<ServiceRegistration>();
        if (index.ByName.TryGetValue(name, out var named))
        {
            foreach (var (tree, candidate) in named)
            {
                if ((candidate.Kind & kind) != 0 && Bind(tree, candidate, cancellationToken) is { } registration)
                {
                    registrations.Add(registration);
                }
            }
        }

        foreach (var (tree, candidate) in index.Untyped)
        {
            if ((candidate.Kind & kind) != 0 && Bind(tree, candidate, cancellationToken) is { } registration)
            {
                registrations.Add(registration);
            }
        }

        return _mentioning.GetOrAdd((name, kind), registrations.Count == 0 ? RegistrationSet.Empty : new RegistrationSet(registrations));
    }

    private ServiceRegistration? Bind(SyntaxTree tree, Candidate candidate, CancellationToken cancellationToken)
    {
        if (!_bound.TryGetValue((tree, candidate.Span), out var registration))
        {
            // Spans, not nodes: the IDE may drop a tree's root and parse it again, and a model binds its own root's nodes.
            var node = tree.GetRoot(cancellationToken).FindNode(candidate.Span, getInnermostNodeForTie: true);
            var model = _models.For(tree);
            if (!DependencyInjectionApis.TryReadQuickly(model, node, out registration))
            {
                registration = model.GetOperation(node, cancellationToken) is { } operation && _apis.TryGetRegistration(operation, out var read) ? read : null;
            }

            registration = _bound.GetOrAdd((tree, candidate.Span), registration);
        }

        return registration;
    }

    /// <summary>The compilation's registration-like calls by the names they mention: each question binds only its own.</summary>
    private CallIndex Index()
    {
        var built = Volatile.Read(ref _index);
        if (built is not null)
        {
            return built;
        }

        lock (_indexGate)
        {
            return _index ??= BuildIndex();
        }
    }

    private CallIndex BuildIndex()
    {
        var all = new List<(SyntaxTree, Candidate)>();
        var byName = new Dictionary<string, List<(SyntaxTree, Candidate)>>(StringComparer.Ordinal);
        var untyped = new List<(SyntaxTree, Candidate)>();
        foreach (var tree in _models.Compilation.SyntaxTrees)
        {
            foreach (var candidate in CandidateCache.GetValue(tree, ScanTree).Calls)
            {
                all.Add((tree, candidate));
                if (candidate.NamesNoType)
                {
                    untyped.Add((tree, candidate));
                    continue;
                }

                foreach (var mentioned in candidate.Names)
                {
                    if (!byName.TryGetValue(mentioned, out var list))
                    {
                        byName[mentioned] = list = new List<(SyntaxTree, Candidate)>();
                    }

                    list.Add((tree, candidate));
                }
            }
        }

        return new CallIndex(all, byName, untyped);
    }

    /// <summary>
    /// The calls in <paramref name="tree"/> named like registrations, with the identifiers each contains. A tree
    /// the user did not edit is the same object in the next compilation, so the IDE reads each file's syntax once.
    /// </summary>
    private static Candidates Scan(SyntaxTree tree)
    {
        var builder = ImmutableArray.CreateBuilder<Candidate>();
        foreach (var node in DependencyInjectionApis.FindRegistrationCalls(tree, CancellationToken.None))
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            var namesType = false;
            HashSet<string>? factoryNames = null;
            foreach (var descendant in node.DescendantNodes())
            {
                switch (descendant)
                {
                    case TypeArgumentListSyntax or TypeOfExpressionSyntax or ObjectCreationExpressionSyntax:
                        namesType = true;
                        break;
                    case AnonymousFunctionExpressionSyntax factory when !ConfiguresContext(node):
                        // What a factory mentions, not the call around it: `services` and the connection string are in
                        // every registration, and would make every factory lead on once one does.
                        factoryNames ??= FactoryNamesOf(node);
                        AddNames(factory, factoryNames);

                        break;
                    case SimpleNameSyntax simple:
                        names.Add(simple.Identifier.ValueText);
                        break;
                }
            }

            builder.Add(new Candidate(node.Span, names, namesNoType: !namesType, factoryNames, KindOf(node, names)));
        }

        return new Candidates(builder.ToImmutable());
    }

    /// <summary>AddDbContext's lambda configures the context's options: it builds no service of its own.</summary>
    private static bool ConfiguresContext(SyntaxNode node)
        => node is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: var name } }
           && (name.StartsWith("AddDbContext", StringComparison.Ordinal) || name == "AddPooledDbContextFactory");

    /// <summary>
    /// The service a factory registers, named by the call's type arguments (<c>AddSingleton&lt;IFoo&gt;(sp => …)</c>)
    /// or a <c>typeof</c> argument (<c>AddScoped(typeof(IFoo), sp => …)</c>).
    /// </summary>
    private static HashSet<string> FactoryNamesOf(SyntaxNode node)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        if (node is not InvocationExpressionSyntax invocation)
        {
            return names;
        }

        if (invocation.Expression is MemberAccessExpressionSyntax { Name: GenericNameSyntax generic })
        {
            AddNames(generic.TypeArgumentList, names);
        }

        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            if (argument.Expression is TypeOfExpressionSyntax typeOf)
            {
                AddNames(typeOf.Type, names);
            }
        }

        return names;
    }

    private static void AddNames(SyntaxNode node, HashSet<string> names)
    {
        foreach (var name in node.DescendantNodesAndSelf())
        {
            if (name is SimpleNameSyntax simple)
            {
                names.Add(simple.Identifier.ValueText);
            }
        }
    }

    /// <summary>
    /// What the call's name says of the lifetime: <c>AddSingleton</c> and <c>AddHostedService</c> make singletons,
    /// <c>AddScoped</c>, <c>AddTransient</c> and EF Core's context registrations do not, unless a lifetime is
    /// written into the call; a descriptor or <c>Describe</c> could be either.
    /// </summary>
    private static CallKind KindOf(SyntaxNode node, HashSet<string> names)
    {
        var name = node is InvocationExpressionSyntax invocation
            ? invocation.Expression switch
            {
                MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                SimpleNameSyntax simple => simple.Identifier.ValueText,
                _ => string.Empty,
            }
            : string.Empty;
        // `names` holds every name the call contains: ServiceLifetime among them when a lifetime is written in.
        if (names.Contains("ServiceLifetime"))
        {
            return CallKind.Singleton | CallKind.ScopedOrTransient;
        }

        if (name.EndsWith("Singleton", StringComparison.Ordinal))
        {
            return CallKind.Singleton;
        }

        if (name == "AddHostedService")
        {
            // The host's own: what a hosted service is, is decided by its type; no one else resolves it.
            return CallKind.Hosted;
        }

        return DependencyInjectionApis.NameFixesShortLifetime(name) || name.StartsWith("AddDbContext", StringComparison.Ordinal) || name == "AddPooledDbContextFactory"
            ? CallKind.ScopedOrTransient
            : CallKind.Singleton | CallKind.ScopedOrTransient;
    }

    /// <summary>True when a long-lived type takes <paramref name="service"/> in its constructor or resolves it in its factory.</summary>
    private bool NeededBySingletons(ITypeSymbol service, CancellationToken cancellationToken)
    {
        var key = service.OriginalDefinition;
        if (_neededBySingletons.TryGetValue(key, out var known))
        {
            return known;
        }

        var needed = false;
        if (ReachOf().Dependents.TryGetValue(service.Name, out var dependents))
        {
            foreach (var name in dependents)
            {
                foreach (var type in ClassesNamed(name, cancellationToken))
                {
                    if (TakesInConstructor(type, key)
                        && (IsRegisteredSingleton(type, resolvable: false, cancellationToken) || _apis.IsHostedService(type) || _apis.IsConventionalMiddleware(type)))
                    {
                        needed = true;
                        break;
                    }
                }

                if (needed)
                {
                    break;
                }
            }
        }

        if (!needed)
        {
            // A factory that resolves the service names it: only those registrations are bound.
            foreach (var registration in RegistrationsMentioning(service.Name, CallKind.Singleton, cancellationToken).All)
            {
                if (registration.Lifetime == ServiceLifetime.Singleton && registration.ResolvedByFactory.Any(r => SymbolEqualityComparer.Default.Equals(r.OriginalDefinition, key)))
                {
                    needed = true;
                    break;
                }
            }
        }

        _neededBySingletons[key] = needed;
        return needed;
    }

    /// <summary>
    /// The source classes named <paramref name="name"/>, kept: a name is asked once per service its classes take, and a
    /// code base may have a class of that name in every feature folder, each asked of every other's services.
    /// </summary>
    private List<INamedTypeSymbol> ClassesNamed(string name, CancellationToken cancellationToken)
    {
        if (!_classesNamed.TryGetValue(name, out var classes))
        {
            classes = new List<INamedTypeSymbol>();
            foreach (var symbol in _models.Compilation.GetSymbolsWithName(name, SymbolFilter.Type, cancellationToken))
            {
                if (symbol is INamedTypeSymbol { TypeKind: TypeKind.Class } type)
                {
                    classes.Add(type);
                }
            }

            _classesNamed[name] = classes;
        }

        return classes;
    }

    private static bool TakesInConstructor(INamedTypeSymbol type, ITypeSymbol service)
    {
        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var parameter in constructor.Parameters)
            {
                if (SymbolEqualityComparer.Default.Equals(ElementOrSelf(parameter.Type).OriginalDefinition, service))
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>IEnumerable&lt;IHandler&gt; gets every registered IHandler: the dependency is the element.</summary>
    private static ITypeSymbol ElementOrSelf(ITypeSymbol type)
        => type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Collections_Generic_IEnumerable_T } sequence
            ? sequence.TypeArguments[0]
            : type;

    /// <summary>Which classes can lead to a database object, by name: see <see cref="CaptureReach"/>.</summary>
    private CaptureReach ReachOf()
    {
        // Once worked out the reach is only read: most types are answered without waiting for any lock.
        var reach = Volatile.Read(ref _reach);
        if (reach is not null)
        {
            return reach;
        }

        lock (_indexGate)
        {
            if (_reach is not null)
            {
                return _reach;
            }

            var factories = new List<HashSet<string>>();
            foreach (var (_, candidate) in Index().All)
            {
                if (candidate.FactoryNames is { } factory)
                {
                    factories.Add(factory);
                }
            }

            reach = CaptureReach.Create(_models.Compilation.SyntaxTrees, _catalog.For(null).UnsafeTypeNames(), factories);
            Volatile.Write(ref _reach, reach);
            return reach;
        }
    }

    private static bool KeepsStaticInstanceOfItself(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        // Most classes declare no static field or property: ruled out from their declarations, members left uncompleted.
        if (!DatabaseMember.MayDeclareStaticStorage(type, cancellationToken))
        {
            return false;
        }

        foreach (var member in type.GetMembers())
        {
            var memberType = member switch
            {
                IFieldSymbol { IsStatic: true, IsConst: false } field when !DatabaseTypes.IsThreadStatic(field) => field.Type,
                IPropertySymbol { IsStatic: true } property => property.Type,
                _ => null,
            };

            if (memberType is INamedTypeSymbol named && !DatabaseTypes.IsPerThreadHolder(named) && IsSelfOrLazySelf(named, type))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsSelfOrLazySelf(INamedTypeSymbol candidate, INamedTypeSymbol type)
    {
        if (SymbolEqualityComparer.Default.Equals(candidate.OriginalDefinition, type.OriginalDefinition))
        {
            return true;
        }

        return candidate is { Name: "Lazy", IsGenericType: true, ContainingNamespace: { Name: "System", ContainingNamespace.IsGlobalNamespace: true } }
            && SymbolEqualityComparer.Default.Equals(candidate.TypeArguments[0].OriginalDefinition, type.OriginalDefinition);
    }

    /// <summary>Which members keep what the constructor was given, and which are used only under one guard.</summary>
    private TypeFacts FactsOf(INamedTypeSymbol type, CancellationToken cancellationToken)
    {
        if (_facts.TryGetValue(type, out var known))
        {
            return known;
        }

        var facts = new TypeFacts();
        if (HasSource(type))
        {
            foreach (var (body, owner) in _models.BodiesOf(type, cancellationToken))
            {
                foreach (var operation in body.DescendantsAndSelf())
                {
                    facts.RecordInjection(operation, owner);
                }
            }

            if (type.IsRecord)
            {
                facts.RecordPositionalProperties(type, cancellationToken);
            }

            // A primary constructor's parameter is as private as a private field: only the type's own members see it.
            var privateMembers = ImmutableArray.CreateBuilder<ISymbol>();
            foreach (var member in DatabaseMember.DeclaredIn(type, _catalog, staticOnly: false).AddRange(DatabaseMember.PrimaryConstructorParameters(type, _catalog, cancellationToken)))
            {
                if (!member.Symbol.IsStatic && member.Symbol.DeclaredAccessibility is Accessibility.Private or Accessibility.NotApplicable)
                {
                    privateMembers.Add(member.Symbol);
                }
            }

            // No use can hold a guard in a type whose text names none.
            if (privateMembers.Count > 0 && GuardMentions.MayTakeGuard(type))
            {
                var members = privateMembers.ToImmutable();
                var uses = GuardedUses.Collect(type, members, _guards, _models, cancellationToken);
                foreach (var member in members)
                {
                    if (uses.AllUsesHoldOneGuard(member))
                    {
                        facts.Guarded.Add(member);
                    }
                }
            }
        }

        _facts[type] = facts;
        return facts;
    }

    private static bool HasSource(ISymbol symbol) => symbol.Locations.Length > 0 && symbol.Locations[0].IsInSource;

    private static SyntaxTree? FirstTree(ISymbol symbol) => symbol.Locations.Length > 0 ? symbol.Locations[0].SourceTree : null;

    [Flags]
    private enum CallKind
    {
        Singleton = 1,
        ScopedOrTransient = 2,
        Hosted = 4,
    }

    private sealed class CallIndex
    {
        public CallIndex(List<(SyntaxTree, Candidate)> all, Dictionary<string, List<(SyntaxTree, Candidate)>> byName, List<(SyntaxTree, Candidate)> untyped)
        {
            All = all;
            ByName = byName;
            Untyped = untyped;
        }

        public List<(SyntaxTree, Candidate)> All { get; }

        public Dictionary<string, List<(SyntaxTree, Candidate)>> ByName { get; }

        /// <summary>Calls that name no type (<c>AddSingleton(instance)</c>): any question may be about them.</summary>
        public List<(SyntaxTree, Candidate)> Untyped { get; }
    }

    /// <summary>The bound registrations a name leads to, looked up by the service they register and the type they build.</summary>
    private sealed class RegistrationSet
    {
        public static readonly RegistrationSet Empty = new(new List<ServiceRegistration>());

        private static readonly List<ServiceRegistration> None = new();

        private readonly Dictionary<ITypeSymbol, List<ServiceRegistration>> _byService = new(SymbolEqualityComparer.Default);
        private readonly Dictionary<ITypeSymbol, List<ServiceRegistration>> _byBuilt = new(SymbolEqualityComparer.Default);

        public RegistrationSet(List<ServiceRegistration> all)
        {
            All = all;
            foreach (var registration in all)
            {
                if (registration.ServiceType is { } service)
                {
                    Add(_byService, service.OriginalDefinition, registration);
                }

                if (registration.ConstructedType is { } built)
                {
                    Add(_byBuilt, built.OriginalDefinition, registration);
                }
            }
        }

        public List<ServiceRegistration> All { get; }

        /// <summary>The registrations of <paramref name="service"/> (or its open generic definition).</summary>
        public List<ServiceRegistration> WithService(ITypeSymbol service)
            => _byService.TryGetValue(service.OriginalDefinition, out var list) ? list : None;

        /// <summary>The registrations that build <paramref name="type"/> (or its open generic definition).</summary>
        public List<ServiceRegistration> Building(ITypeSymbol type)
            => _byBuilt.TryGetValue(type.OriginalDefinition, out var list) ? list : None;

        private static void Add(Dictionary<ITypeSymbol, List<ServiceRegistration>> map, ITypeSymbol key, ServiceRegistration registration)
        {
            if (!map.TryGetValue(key, out var list))
            {
                map[key] = list = new List<ServiceRegistration>();
            }

            list.Add(registration);
        }
    }

    private sealed class Candidates
    {
        public Candidates(ImmutableArray<Candidate> calls) => Calls = calls;

        /// <summary>In document order: by start, an outer call before the calls inside it that start with it.</summary>
        public ImmutableArray<Candidate> Calls { get; }

        public Candidate? At(Microsoft.CodeAnalysis.Text.TextSpan span)
        {
            int low = 0, high = Calls.Length - 1;
            while (low <= high)
            {
                var middle = low + ((high - low) / 2);
                if (Calls[middle].Span.Start < span.Start)
                {
                    low = middle + 1;
                }
                else
                {
                    high = middle - 1;
                }
            }

            // `low` is the first call starting at the span's start, if any: a chain's calls share their start.
            for (var i = low; i < Calls.Length && Calls[i].Span.Start == span.Start; i++)
            {
                if (Calls[i].Span == span)
                {
                    return Calls[i];
                }
            }

            return null;
        }
    }

    /// <summary>
    /// A call that may register a service: where it is, and which names its text mentions. Kept with its tree and read
    /// by every compilation and thread that has the tree: its sets are never changed once built.
    /// </summary>
    private sealed class Candidate
    {
        public Candidate(Microsoft.CodeAnalysis.Text.TextSpan span, HashSet<string> names, bool namesNoType, HashSet<string>? factoryNames, CallKind kind)
        {
            FactoryNames = factoryNames;
            Kind = kind;
            Span = span;
            Names = names;
            NamesNoType = namesNoType;
        }

        public Microsoft.CodeAnalysis.Text.TextSpan Span { get; }

        public HashSet<string> Names { get; }

        /// <summary><c>AddSingleton(instance)</c>: the service type is inferred, no name in the text says which.</summary>
        public bool NamesNoType { get; }

        /// <summary>
        /// When a lambda builds the service, the names it mentions and the service's: what it resolves is known only once
        /// bound, so every one of them may lead on. Null for a call without a factory.
        /// </summary>
        public HashSet<string>? FactoryNames { get; }

        /// <summary>The lifetimes the call can register, as its name says: questions about other lifetimes skip it unbound.</summary>
        public CallKind Kind { get; }
    }

    private sealed class TypeFacts
    {
        private readonly Dictionary<ISymbol, List<ISymbol>> _storedIn = new(SymbolEqualityComparer.Default);

        /// <summary>Members assigned a constructor parameter: the parameter is the finding, not the member.</summary>
        public HashSet<ISymbol> Injected { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>Private database members whose every use holds one guard.</summary>
        public HashSet<ISymbol> Guarded { get; } = new(SymbolEqualityComparer.Default);

        /// <summary>A parameter kept only in members whose every use takes one guard is shared under that guard.</summary>
        public bool StoredOnlyInGuardedMembers(IParameterSymbol parameter)
        {
            if (!_storedIn.TryGetValue(parameter, out var members))
            {
                return false;
            }

            foreach (var member in members)
            {
                if (!Guarded.Contains(member))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary><c>_db = db</c> in a constructor, or <c>AppDb _db = db;</c> with a primary constructor.</summary>
        public void RecordInjection(IOperation operation, ISymbol owner)
        {
            switch (operation)
            {
                case ISimpleAssignmentOperation assignment
                    when owner is IMethodSymbol { MethodKind: MethodKind.Constructor } && HeldByInstance.MemberStoredBy(assignment, out var parameter) is { } member:
                    Add(parameter, member);
                    break;

                case IFieldInitializerOperation initializer when HeldByInstance.StoredParameter(initializer.Value) is { } parameter:
                    foreach (var field in initializer.InitializedFields)
                    {
                        Add(parameter, field.OriginalDefinition);
                    }

                    break;

                case IPropertyInitializerOperation initializer when HeldByInstance.StoredParameter(initializer.Value) is { } parameter:
                    foreach (var property in initializer.InitializedProperties)
                    {
                        Add(parameter, property.OriginalDefinition);
                    }

                    break;
            }
        }

        /// <summary>
        /// <c>record Report(AppDb Db)</c>: the compiler declares a property for each positional parameter and stores the
        /// parameter in it, with no code of its own to walk. Both have the parameter's location.
        /// </summary>
        public void RecordPositionalProperties(INamedTypeSymbol record, CancellationToken cancellationToken)
        {
            foreach (var constructor in record.InstanceConstructors)
            {
                if (!DependencyInjectionApis.IsPrimaryConstructor(constructor, cancellationToken))
                {
                    continue;
                }

                foreach (var parameter in constructor.Parameters)
                {
                    foreach (var member in record.GetMembers(parameter.Name))
                    {
                        if (member is IPropertySymbol property && IsDeclaredBy(property, parameter, cancellationToken))
                        {
                            Add(parameter, property.OriginalDefinition);
                        }
                    }
                }
            }
        }

        private static bool IsDeclaredBy(IPropertySymbol property, IParameterSymbol parameter, CancellationToken cancellationToken)
            => property.DeclaringSyntaxReferences.Length == 1
               && parameter.DeclaringSyntaxReferences.Length == 1
               && property.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken) == parameter.DeclaringSyntaxReferences[0].GetSyntax(cancellationToken);

        private void Add(IParameterSymbol parameter, ISymbol member)
        {
            Injected.Add(member);
            if (!_storedIn.TryGetValue(parameter, out var members))
            {
                _storedIn[parameter] = members = new List<ISymbol>();
            }

            members.Add(member);
        }
    }
}
