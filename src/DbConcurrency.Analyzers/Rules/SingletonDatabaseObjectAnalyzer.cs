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
/// then shares that one object. Reported on the type's own constructor parameter or field, and on the
/// registration call, each from the callback for that code, so the IDE shows them and offers fixes as
/// the user types; the cross-file facts (registrations, other types' constructors) come from the
/// compilation's <see cref="SingletonModel"/>.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class SingletonDatabaseObjectAnalyzer : DiagnosticAnalyzer
{
    /// <summary>
    /// Diagnostic property: "Member" on a constructor parameter, field or property; "Registration" on a registration call;
    /// "Resolution" on a call that resolves a service from the type's own provider.
    /// </summary>
    public const string SiteProperty = "Site";

    /// <summary>Diagnostic property: the <see cref="SingletonRole"/> of the long-lived type.</summary>
    public const string RoleProperty = "Role";

    /// <summary>
    /// Diagnostic property on a registration: "true" when no other long-lived type depends on the service,
    /// so registering it as scoped moves the problem nowhere else.
    /// </summary>
    public const string CanBeScopedProperty = "CanBeScoped";

    public const string MemberSite = "Member";

    public const string RegistrationSite = "Registration";

    /// <summary>A service resolved in a method from the provider the long-lived type was given.</summary>
    public const string ResolutionSite = "Resolution";

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(Descriptors.SingletonDatabaseObject);

    public override void Initialize(AnalysisContext context)
    {
        context.EnableConcurrentExecution();
        // Generated code is left out by the rules themselves (GeneratedCode), more cheaply than the driver would.
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.Analyze | GeneratedCodeAnalysisFlags.ReportDiagnostics);
        DatabaseTypeCatalog.RegisterCompilationStart(context, (start, catalog) =>
        {
            var apis = DependencyInjectionApis.Create(start.Compilation);
            var model = new SingletonModel(start.Compilation, catalog, apis, GuardApis.Create(start.Compilation));
            start.RegisterSymbolAction(symbol => AnalyzeType(symbol, model, catalog.GeneratedCode), SymbolKind.NamedType);
            if (apis.HasRegistrations)
            {
                start.RegisterOperationAction(operation => AnalyzeCall(operation, apis, model, catalog.GeneratedCode), OperationKind.Invocation, OperationKind.ObjectCreation);
            }
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, SingletonModel model, GeneratedCode generated)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind != TypeKind.Class
            || !model.MayHoldDatabaseObject(type)
            || model.RoleOf(type, context.CancellationToken) is not { } role)
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(SiteProperty, MemberSite)
            .Add(RoleProperty, role.ToString());
        var roleText = SingletonModel.Describe(role);
        var root = SingletonModel.Link(type, roleText);
        foreach (var capture in model.CapturesOf(type, context.CancellationToken))
        {
            if (generated.Contains(capture.Member.Locations[0], context.CancellationToken))
            {
                continue;
            }

            var what = capture.Member switch
            {
                IParameterSymbol => "Parameter",
                IPropertySymbol => "Property",
                _ => "Field",
            };

            context.ReportDiagnostic(Diagnostic.Create(
                Descriptors.SingletonDatabaseObject,
                capture.Member.Locations[0],
                properties,
                $"{what} '{capture.Member.Name}' ({DatabaseMember.DisplayName(capture.MemberType)}) of {roleText} '{type.Name}'",
                DatabaseMember.DisplayName(capture.ObjectType),
                string.Join(" → ", capture.Chain.Insert(0, root))));
        }
    }

    private static void AnalyzeCall(OperationAnalysisContext context, DependencyInjectionApis apis, SingletonModel model, GeneratedCode generated)
    {
        if (context.Operation is IInvocationOperation { TargetMethod.Name: var name } invocation && DependencyInjectionApis.IsResolveName(name))
        {
            AnalyzeResolution(context, invocation, model, generated);
        }
        else
        {
            AnalyzeRegistration(context, apis, model, generated);
        }
    }

    /// <summary>
    /// <c>_services.GetRequiredService&lt;AppDb&gt;()</c> in a method of a long-lived type: the provider it was given is the
    /// root provider, whose scope builds a scoped service once and hands that one to every caller for the life of the
    /// process. A constructor's resolutions are not reported here: kept in a field, the field is the finding.
    /// </summary>
    private static void AnalyzeResolution(OperationAnalysisContext context, IInvocationOperation invocation, SingletonModel model, GeneratedCode generated)
    {
        if (context.ContainingSymbol is not IMethodSymbol { IsStatic: false, MethodKind: not MethodKind.Constructor, ContainingType: { TypeKind: TypeKind.Class } type }
            || !DependencyInjectionApis.TryReadHeldProviderResolution(invocation, context.CancellationToken, out var provider, out var service, out var location)
            || model.RoleOf(type, context.CancellationToken) is not { } role
            || (provider is not IParameterSymbol && !model.IsInjected(type, provider, context.CancellationToken))
            || generated.Contains(location, context.CancellationToken)
            || !model.TryExplainRootResolution(service, location.SourceTree!, context.CancellationToken, out var objectType, out var chain))
        {
            return;
        }

        var roleText = SingletonModel.Describe(role);
        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(SiteProperty, ResolutionSite)
            .Add(RoleProperty, role.ToString());
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.SingletonDatabaseObject,
            location,
            properties,
            $"Resolving '{DatabaseMember.DisplayName(service)}' from the root provider in {roleText} '{type.Name}'",
            DatabaseMember.DisplayName(objectType),
            string.Join(" → ", chain.Insert(0, SingletonModel.Link(type, roleText)))));
    }

    private static void AnalyzeRegistration(OperationAnalysisContext context, DependencyInjectionApis apis, SingletonModel model, GeneratedCode generated)
    {
        // Most calls are not registrations, told by name; AddScoped, TryAddTransient, ServiceDescriptor.Scoped: the name
        // fixes a lifetime that is not the singleton's. Of the objects created, only a ServiceDescriptor registers.
        if (context.Operation is IInvocationOperation { TargetMethod.Name: var name }
                ? !DependencyInjectionApis.IsRegistrationName(name) || DependencyInjectionApis.NameFixesShortLifetime(name)
                : context.Operation.Type?.Name != "ServiceDescriptor")
        {
            return;
        }

        if (!model.MayRegisterDatabaseObject(context.Operation.Syntax)
            || !apis.TryGetRegistration(context.Operation, out var registration)
            || registration is not { Lifetime: ServiceLifetime.Singleton }
            || generated.Contains(registration.Location, context.CancellationToken)
            || !model.TryExplain(registration, context.CancellationToken, out var objectType, out var chain))
        {
            return;
        }

        var properties = ImmutableDictionary<string, string?>.Empty
            .Add(SiteProperty, RegistrationSite)
            .Add(RoleProperty, nameof(SingletonRole.Registered))
            .Add(CanBeScopedProperty, model.CanBeScoped(registration, context.CancellationToken) ? "true" : "false");
        context.ReportDiagnostic(Diagnostic.Create(
            Descriptors.SingletonDatabaseObject,
            registration.Location,
            properties,
            "This " + registration.Method + " registration",
            DatabaseMember.DisplayName(objectType),
            string.Join(" → ", chain)));
    }
}
