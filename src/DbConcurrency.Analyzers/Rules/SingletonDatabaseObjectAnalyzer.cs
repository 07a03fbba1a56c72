using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using DbConcurrency.Analyzers.Knowledge;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Rules;

/// <summary>
/// DBC002: a service that lives as long as the process (a singleton registration, a hosted service,
/// conventional middleware, a static instance of itself) holds a connection, transaction, reader or
/// DbContext, directly or through scoped and transient services it depends on: every request and thread
/// then shares that one object. A lifetime is decided by registrations anywhere in the compilation, so
/// the rule collects as it goes and reports at compilation end.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SingletonDatabaseObjectAnalyzer : DiagnosticAnalyzer
{
    /// <summary>Diagnostic property: "Member" on a constructor parameter, field or property; "Registration" on a registration call.</summary>
    public const string SiteProperty = "Site";

    /// <summary>Diagnostic property: the <see cref="SingletonRole"/> of the long-lived type.</summary>
    public const string RoleProperty = "Role";

    public const string MemberSite = "Member";

    public const string RegistrationSite = "Registration";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.SingletonDatabaseObject);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.RegisterCompilationStartAction(start =>
        {
            var catalog = DatabaseTypeCatalog.TryCreate(start.Compilation, start.Options.AnalyzerConfigOptionsProvider);
            if (catalog is null)
            {
                return;
            }

            var collector = new Collector(catalog, DependencyInjectionApis.Create(start.Compilation), GuardApis.Create(start.Compilation));
            if (collector.Apis.HasRegistrations)
            {
                start.RegisterOperationAction(collector.RecordRegistration, OperationKind.Invocation, OperationKind.ObjectCreation);
            }

            start.RegisterOperationAction(collector.RecordInjection, OperationKind.SimpleAssignment, OperationKind.FieldInitializer, OperationKind.PropertyInitializer);
            start.RegisterSymbolStartAction(collector.StartType, SymbolKind.NamedType);
            start.RegisterCompilationEndAction(collector.Report);
        });
    }

    /// <summary>What one compilation's analysis gathers, from many threads, for the report at its end.</summary>
    private sealed class Collector
    {
        private readonly DatabaseTypeCatalog _catalog;
        private readonly GuardApis _guards;
        private readonly ConcurrentQueue<ServiceRegistration> _registrations = new();
        private readonly ConcurrentQueue<(IParameterSymbol, ISymbol)> _injections = new();
        private readonly ConcurrentQueue<ISymbol> _guardedMembers = new();
        private readonly ConcurrentQueue<(INamedTypeSymbol Type, SingletonRole Role)> _selfSingletons = new();

        public Collector(DatabaseTypeCatalog catalog, DependencyInjectionApis apis, GuardApis guards)
        {
            _catalog = catalog;
            Apis = apis;
            _guards = guards;
        }

        public DependencyInjectionApis Apis { get; }

        public void RecordRegistration(OperationAnalysisContext context)
        {
            if (Apis.TryGetRegistration(context.Operation, out var registration) && registration is not null)
            {
                _registrations.Enqueue(registration);
            }
        }

        /// <summary>
        /// <c>_db = db</c> in a constructor, or <c>AppDb _db = db;</c> with a primary constructor: the member
        /// holds what the container injected, so the parameter is the finding and the member is not another.
        /// </summary>
        public void RecordInjection(OperationAnalysisContext context)
        {
            switch (context.Operation)
            {
                case ISimpleAssignmentOperation assignment
                    when context.ContainingSymbol is IMethodSymbol { MethodKind: MethodKind.Constructor }
                         && InjectedParameter(assignment.Value) is { } parameter:
                    var member = assignment.Target switch
                    {
                        IFieldReferenceOperation field => (ISymbol)field.Field,
                        IPropertyReferenceOperation property => property.Property,
                        _ => null,
                    };

                    if (member is not null)
                    {
                        _injections.Enqueue((parameter, member.OriginalDefinition));
                    }

                    break;

                case IFieldInitializerOperation initializer when InjectedParameter(initializer.Value) is { } parameter:
                    foreach (var field in initializer.InitializedFields)
                    {
                        _injections.Enqueue((parameter, field.OriginalDefinition));
                    }

                    break;

                case IPropertyInitializerOperation initializer when InjectedParameter(initializer.Value) is { } parameter:
                    foreach (var property in initializer.InitializedProperties)
                    {
                        _injections.Enqueue((parameter, property.OriginalDefinition));
                    }

                    break;
            }
        }

        /// <summary>
        /// Notes the types that are long-lived by their own declaration, and which of a type's private database
        /// members are used only under one guard: synchronized sharing, which the design does not report.
        /// </summary>
        public void StartType(SymbolStartAnalysisContext context)
        {
            var type = (INamedTypeSymbol)context.Symbol;
            if (type.TypeKind != TypeKind.Class)
            {
                return;
            }

            if (!type.IsAbstract && !type.IsStatic && RoleOf(type) is { } role)
            {
                _selfSingletons.Enqueue((type, role));
            }

            var privateMembers = ImmutableArray.CreateBuilder<ISymbol>();
            foreach (var member in DatabaseMember.DeclaredIn(type, _catalog, staticOnly: false))
            {
                if (!member.Symbol.IsStatic && member.Symbol.DeclaredAccessibility == Accessibility.Private)
                {
                    privateMembers.Add(member.Symbol);
                }
            }

            if (privateMembers.Count == 0)
            {
                return;
            }

            var members = privateMembers.ToImmutable();
            var uses = GuardedUses.Start(context, members, _guards);
            context.RegisterSymbolEndAction(_ =>
            {
                foreach (var member in members)
                {
                    if (uses.AllUsesHoldOneGuard(member))
                    {
                        _guardedMembers.Enqueue(member);
                    }
                }
            });
        }

        public void Report(CompilationAnalysisContext context)
        {
            var model = new SingletonModel(_catalog, _registrations, _injections, _guardedMembers);
            var roots = new Dictionary<INamedTypeSymbol, SingletonRole>(SymbolEqualityComparer.Default);
            foreach (var (type, role) in _selfSingletons)
            {
                roots[type] = role;
            }

            var registrations = new List<ServiceRegistration>(_registrations);
            registrations.Sort((x, y) => SourceOrder(x.Location, y.Location));
            foreach (var registration in registrations)
            {
                if (registration.Lifetime == ServiceLifetime.Singleton
                    && registration.ConstructedType is { } built
                    && built.Locations.Length > 0 && built.Locations[0].IsInSource
                    && !roots.ContainsKey(built.OriginalDefinition))
                {
                    roots[built.OriginalDefinition] = SingletonRole.Registered;
                }
            }

            var reported = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            var ordered = new List<INamedTypeSymbol>(roots.Keys);
            ordered.Sort((x, y) => SourceOrder(x.Locations[0], y.Locations[0]));
            foreach (var root in ordered)
            {
                var role = roots[root];
                foreach (var capture in model.CapturesOf(root))
                {
                    if (reported.Add(capture.Member))
                    {
                        ReportMember(context, root, role, capture);
                    }
                }
            }

            foreach (var registration in registrations)
            {
                if (registration.Lifetime == ServiceLifetime.Singleton && TryExplain(model, registration, out var objectType, out var chain))
                {
                    ReportRegistration(context, registration, objectType, chain);
                }
            }
        }

        private SingletonRole? RoleOf(INamedTypeSymbol type)
        {
            if (Apis.IsHostedService(type))
            {
                return SingletonRole.HostedService;
            }

            if (Apis.IsConventionalMiddleware(type))
            {
                return SingletonRole.Middleware;
            }

            return KeepsStaticInstanceOfItself(type) ? SingletonRole.StaticInstance : null;
        }

        private bool KeepsStaticInstanceOfItself(INamedTypeSymbol type)
        {
            var types = _catalog.For(type.Locations.Length > 0 ? type.Locations[0].SourceTree : null);
            foreach (var member in type.GetMembers())
            {
                var memberType = member switch
                {
                    IFieldSymbol { IsStatic: true, IsConst: false } field when !types.IsThreadStatic(field) => field.Type,
                    IPropertySymbol { IsStatic: true } property => property.Type,
                    _ => null,
                };

                if (memberType is INamedTypeSymbol named && !types.IsPerThreadHolder(named) && IsSelfOrLazySelf(named, type))
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

        /// <summary>Why a singleton registration is a finding: what it registers is, builds, or resolves a database object.</summary>
        private static bool TryExplain(SingletonModel model, ServiceRegistration registration, out ITypeSymbol objectType, out ImmutableArray<string> chain)
        {
            var service = registration.ServiceType ?? registration.ImplementationType!;
            var role = registration.Method == "AddHostedService" ? "hosted service" : "singleton";
            var root = SingletonModel.Link(service, role);
            var registered = registration.ImplementationType ?? service;
            if (model.TryResolve(registered, out objectType, out var inner) && inner.Length == 1)
            {
                // The registered object is itself the database object: no capture, the object is the singleton.
                chain = SymbolEqualityComparer.Default.Equals(registered, service) && SymbolEqualityComparer.Default.Equals(objectType, service)
                    ? ImmutableArray.Create(DatabaseMember.DisplayName(service) + " (singleton " + KindOf(inner[0]) + ")")
                    : inner.Insert(0, root);
                return true;
            }

            if (registration.ConstructedType is { } built)
            {
                var captures = model.CapturesOf(built);
                if (!captures.IsEmpty)
                {
                    objectType = captures[0].ObjectType;
                    chain = captures[0].Chain.Insert(0, SingletonModel.Link(built, role));
                    return true;
                }
            }

            foreach (var resolved in registration.ResolvedByFactory)
            {
                if (model.TryResolve(resolved, out objectType, out inner))
                {
                    chain = inner.Insert(0, root);
                    return true;
                }
            }

            objectType = service;
            chain = default;
            return false;
        }

        /// <summary>"DbContext" out of "ShopContext (DbContext)".</summary>
        private static string KindOf(string link)
        {
            var open = link.LastIndexOf('(');
            return open < 0 ? link : link.Substring(open + 1, link.Length - open - 2);
        }

        private static void ReportMember(CompilationAnalysisContext context, INamedTypeSymbol root, SingletonRole role, Capture capture)
        {
            var what = capture.Member switch
            {
                IParameterSymbol => "Parameter",
                IPropertySymbol => "Property",
                _ => "Field",
            };

            var subject = $"{what} '{capture.Member.Name}' ({DatabaseMember.DisplayName(capture.MemberType)}) of {SingletonModel.Describe(role)} '{root.Name}'";
            var chain = capture.Chain.Insert(0, SingletonModel.Link(root, SingletonModel.Describe(role)));
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(SiteProperty, MemberSite)
                .Add(RoleProperty, role.ToString());
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.SingletonDatabaseObject,
                capture.Member.Locations[0],
                properties,
                subject,
                DatabaseMember.DisplayName(capture.ObjectType),
                string.Join(" → ", chain)));
        }

        private static void ReportRegistration(CompilationAnalysisContext context, ServiceRegistration registration, ITypeSymbol objectType, ImmutableArray<string> chain)
        {
            var properties = ImmutableDictionary<string, string?>.Empty
                .Add(SiteProperty, RegistrationSite)
                .Add(RoleProperty, nameof(SingletonRole.Registered));
            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.SingletonDatabaseObject,
                registration.Location,
                properties,
                "This " + registration.Method + " registration",
                DatabaseMember.DisplayName(objectType),
                string.Join(" → ", chain)));
        }

        private static IParameterSymbol? InjectedParameter(IOperation value)
        {
            while (true)
            {
                switch (value)
                {
                    case IConversionOperation conversion:
                        value = conversion.Operand;
                        continue;

                    // _db = db ?? throw new ArgumentNullException(nameof(db));
                    case ICoalesceOperation coalesce:
                        value = coalesce.Value;
                        continue;

                    case IParameterReferenceOperation { Parameter.ContainingSymbol: IMethodSymbol { MethodKind: MethodKind.Constructor } } reference:
                        return reference.Parameter;

                    default:
                        return null;
                }
            }
        }

        private static int SourceOrder(Location x, Location y)
        {
            var byPath = string.CompareOrdinal(x.SourceTree?.FilePath, y.SourceTree?.FilePath);
            return byPath != 0 ? byPath : x.SourceSpan.Start.CompareTo(y.SourceSpan.Start);
        }
    }
}
