using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The container and hosting APIs that decide how long a service lives, resolved once per compilation:
/// registration methods (Microsoft.Extensions.DependencyInjection, EF Core's <c>AddDbContext</c> family),
/// hosted services, and ASP.NET Core's conventional middleware.
/// </summary>
internal sealed class DependencyInjectionApis
{
    private const string DependencyInjection = "Microsoft.Extensions.DependencyInjection.";

    private static readonly ImmutableArray<string> RegistrationTypeNames = ImmutableArray.Create(
        DependencyInjection + "ServiceCollectionServiceExtensions",
        DependencyInjection + "Extensions.ServiceCollectionDescriptorExtensions",
        DependencyInjection + "ServiceCollectionHostedServiceExtensions",
        DependencyInjection + "EntityFrameworkServiceCollectionExtensions",
        DependencyInjection + "ServiceDescriptor");

    // Asked of every call in the compilation: a handful of types, compared by reference before anything else.
    private readonly ImmutableArray<INamedTypeSymbol> _registrationTypes;
    private readonly INamedTypeSymbol? _serviceDescriptor;

    private DependencyInjectionApis(Compilation compilation)
    {
        var builder = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (var name in RegistrationTypeNames)
        {
            builder.AddRange(KnownTypes.Resolve(compilation, name));
        }

        _registrationTypes = builder.ToImmutable();
        _serviceDescriptor = KnownTypes.ResolveOne(compilation, DependencyInjection + "ServiceDescriptor");
        HostedService = KnownTypes.ResolveOne(compilation, "Microsoft.Extensions.Hosting.IHostedService");
        RequestDelegate = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Http.RequestDelegate");
        HttpContext = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Http.HttpContext");
        Middleware = KnownTypes.ResolveOne(compilation, "Microsoft.AspNetCore.Http.IMiddleware");
    }

    public INamedTypeSymbol? HostedService { get; }

    public INamedTypeSymbol? RequestDelegate { get; }

    public INamedTypeSymbol? HttpContext { get; }

    /// <summary>Factory-activated middleware: created per request by <c>IMiddlewareFactory</c>, not a singleton.</summary>
    public INamedTypeSymbol? Middleware { get; }

    /// <summary>True when the compilation can register services at all.</summary>
    public bool HasRegistrations => !_registrationTypes.IsEmpty;

    public static DependencyInjectionApis Create(Compilation compilation) => new(compilation);

    /// <summary>
    /// Reads a registration from an invocation or a <c>new ServiceDescriptor(...)</c>. <c>services.Add(d)</c>
    /// and <c>TryAddEnumerable(d)</c> are not registrations themselves: the descriptor they take is.
    /// </summary>
    public bool TryGetRegistration(IOperation operation, out ServiceRegistration? registration)
    {
        registration = null;
        switch (operation)
        {
            case IInvocationOperation invocation
                when invocation.TargetMethod.ContainingType is { } containing && IsRegistrationType(containing):
                return TryRead(invocation.TargetMethod, invocation.Arguments, invocation.Syntax, out registration);

            case IObjectCreationOperation { Constructor: { } constructor } creation
                when _serviceDescriptor is not null && SymbolEqualityComparer.Default.Equals(constructor.ContainingType, _serviceDescriptor):
                return TryRead(constructor, creation.Arguments, creation.Syntax, out registration);

            default:
                return false;
        }
    }

    private bool IsRegistrationType(INamedTypeSymbol type)
    {
        // Extension classes and ServiceDescriptor are not generic: the type is its own definition.
        foreach (var registrationType in _registrationTypes)
        {
            if (SymbolEqualityComparer.Default.Equals(type, registrationType))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// True for <c>AddScoped</c>, <c>TryAddTransient</c>, <c>ServiceDescriptor.Scoped</c> and the like: the name fixes a
    /// lifetime shorter than the process's, whatever the arguments say.
    /// </summary>
    public static bool NameFixesShortLifetime(string methodName)
        => methodName.EndsWith("Scoped", StringComparison.Ordinal) || methodName.EndsWith("Transient", StringComparison.Ordinal);

    /// <summary>The names of the calls that register a service (or describe one): the test before any symbol is compared.</summary>
    public static bool IsRegistrationName(string name)
        => name.EndsWith("Singleton", StringComparison.Ordinal)
           || name.EndsWith("Scoped", StringComparison.Ordinal)
           || name.EndsWith("Transient", StringComparison.Ordinal)
           || name is "AddHostedService" or "AddDbContext" or "AddDbContextPool" or "AddDbContextFactory" or "AddPooledDbContextFactory" or "Describe" or "DescribeKeyed";

    // Every name IsRegistrationName accepts, and ServiceDescriptor, contains one of these: where they stand in a file's
    // text is where its registration calls can be.
    private static readonly ImmutableArray<string> RegistrationWords = ImmutableArray.Create(
        "Singleton", "Scoped", "Transient", "AddHostedService", "AddDbContext", "AddPooledDbContextFactory", "Describe", "ServiceDescriptor");

    /// <summary>
    /// The calls in <paramref name="tree"/> that <see cref="MayRegister"/> accepts, in document order (a call before
    /// the calls inside it). Found from where the registration names stand in the file's text, not by a walk of its
    /// nodes: every file of a compilation is searched, and few name a registration at all.
    /// </summary>
    public static List<SyntaxNode> FindRegistrationCalls(SyntaxTree tree, CancellationToken cancellationToken)
    {
        // A call has one name, and each name is found once: each call comes once.
        var calls = new List<SyntaxNode>();
        foreach (var token in IdentifierSearch.Find(tree, RegistrationWords, cancellationToken))
        {
            if (CallNamedBy(token) is { } call && MayRegister(call))
            {
                calls.Add(call);
            }
        }

        // A chain's outer call starts where its inner one does and is longer: it comes first, as in a walk.
        calls.Sort(static (x, y) => x.SpanStart != y.SpanStart ? x.SpanStart.CompareTo(y.SpanStart) : y.Span.Length.CompareTo(x.Span.Length));
        return calls;
    }

    /// <summary>The call or creation <paramref name="token"/> is the method or type name of, as <see cref="MayRegister"/> reads it.</summary>
    private static SyntaxNode? CallNamedBy(SyntaxToken token)
    {
        if (token.Parent is not SimpleNameSyntax name)
        {
            return null;
        }

        return name.Parent switch
        {
            MemberAccessExpressionSyntax access when access.Name == name && access.Parent is InvocationExpressionSyntax invocation && invocation.Expression == access => invocation,
            MemberBindingExpressionSyntax binding when binding.Name == name && binding.Parent is InvocationExpressionSyntax invocation && invocation.Expression == binding => invocation,
            InvocationExpressionSyntax invocation when invocation.Expression == name => invocation,
            ObjectCreationExpressionSyntax creation when creation.Type == name => creation,
            QualifiedNameSyntax qualified when qualified.Right == name && qualified.Parent is ObjectCreationExpressionSyntax creation && creation.Type == qualified => creation,
            _ => null,
        };
    }

    /// <summary>
    /// A cheap syntactic test before any binding: a call named like a registration method
    /// (<c>…Singleton</c>, <c>…Scoped</c>, <c>…Transient</c>, <c>AddHostedService</c>, the <c>AddDbContext</c>
    /// family, <c>Describe</c>) or a <c>new ServiceDescriptor(...)</c>.
    /// </summary>
    public static bool MayRegister(SyntaxNode node)
    {
        switch (node)
        {
            case InvocationExpressionSyntax invocation:
                var name = invocation.Expression switch
                {
                    MemberAccessExpressionSyntax access => access.Name.Identifier.ValueText,
                    SimpleNameSyntax simple => simple.Identifier.ValueText,
                    MemberBindingExpressionSyntax binding => binding.Name.Identifier.ValueText,
                    _ => string.Empty,
                };

                return IsRegistrationName(name);

            case ObjectCreationExpressionSyntax creation:
                return creation.Type switch
                {
                    QualifiedNameSyntax qualified => qualified.Right.Identifier.ValueText == "ServiceDescriptor",
                    SimpleNameSyntax simple => simple.Identifier.ValueText == "ServiceDescriptor",
                    _ => false,
                };

            default:
                return false;
        }
    }

    /// <summary>
    /// Reads the common registration forms from syntax, binding only their type names where they stand:
    /// <c>AddScoped&lt;IOrders, Orders&gt;()</c>, <c>AddSingleton(typeof(A), typeof(B))</c>, a factory lambda that
    /// returns <c>new T(…)</c>, <c>AddDbContext&lt;T&gt;(options)</c> with its default lifetime. Binding the whole
    /// call would bind the method around it a second time (the driver binds it too): for a rule that reads every
    /// registration of a compilation, that was most of its cost. False when the form needs full binding.
    /// </summary>
    public static bool TryReadQuickly(SemanticModel model, SyntaxNode node, out ServiceRegistration? registration)
    {
        registration = null;
        if (node is not InvocationExpressionSyntax invocation
            || (invocation.Expression switch { MemberAccessExpressionSyntax access => access.Name, SimpleNameSyntax simple => simple, _ => null }) is not { } name)
        {
            return false;
        }

        var method = name.Identifier.ValueText;
        var isContext = method is "AddDbContext" or "AddDbContextPool" or "AddDbContextFactory" or "AddPooledDbContextFactory";
        ServiceLifetime lifetime;
        if (isContext || method.EndsWith("Scoped", StringComparison.Ordinal))
        {
            lifetime = ServiceLifetime.Scoped;
        }
        else if (method.EndsWith("Singleton", StringComparison.Ordinal) || method == "AddHostedService")
        {
            lifetime = ServiceLifetime.Singleton;
        }
        else if (method.EndsWith("Transient", StringComparison.Ordinal))
        {
            lifetime = ServiceLifetime.Transient;
        }
        else
        {
            return false;
        }

        if (!method.StartsWith("Add", StringComparison.Ordinal) && !method.StartsWith("TryAdd", StringComparison.Ordinal))
        {
            return false;
        }

        var position = ScopePosition(invocation);
        ITypeSymbol? service = null;
        ITypeSymbol? implementation = null;
        var viaFactory = false;
        var resolved = ImmutableArray.CreateBuilder<ITypeSymbol>();
        if (name is GenericNameSyntax generic)
        {
            var typeArguments = generic.TypeArgumentList.Arguments;
            service = BindType(model, position, typeArguments[0]);
            if (typeArguments.Count == 2 && !method.EndsWith("Factory", StringComparison.Ordinal))
            {
                implementation = BindType(model, position, typeArguments[1]);
            }
            else if (typeArguments.Count > 2)
            {
                return false;
            }
        }

        var typeOfs = 0;
        foreach (var argument in invocation.ArgumentList.Arguments)
        {
            switch (argument.Expression)
            {
                // AddDbContext's options: what configures the context says nothing of its lifetime.
                case LambdaExpressionSyntax when isContext:
                    break;

                case LambdaExpressionSyntax lambda when !viaFactory && lambda.ExpressionBody is ObjectCreationExpressionSyntax creation:
                    viaFactory = true;
                    implementation = BindType(model, position, creation.Type);

                    // AddSingleton(sp => new Reports(…)): the service type is inferred from what the lambda returns.
                    service ??= implementation;
                    foreach (var resolve in lambda.DescendantNodes().OfType<GenericNameSyntax>())
                    {
                        if (resolve.Identifier.ValueText is "GetService" or "GetRequiredService" && resolve.TypeArgumentList.Arguments.Count == 1)
                        {
                            if (BindType(model, position, resolve.TypeArgumentList.Arguments[0]) is not { } dependency)
                            {
                                return false;
                            }

                            resolved.Add(dependency);
                        }
                    }

                    break;

                case TypeOfExpressionSyntax typeOf when name is not GenericNameSyntax && typeOfs < 2:
                    var type = BindType(model, position, typeOf.Type);
                    if (type is INamedTypeSymbol { IsGenericType: true } open && typeOf.Type.DescendantNodes().OfType<OmittedTypeArgumentSyntax>().Any())
                    {
                        // typeof(Repository<>): the definition, as the bound reading gives it.
                        type = open.OriginalDefinition;
                    }

                    if (typeOfs++ == 0)
                    {
                        service = type;
                    }
                    else
                    {
                        implementation = type;
                    }

                    break;

                // A service key (AddKeyedSingleton<IMailer, Mailer>("invoices")).
                case LiteralExpressionSyntax when method.Contains("Keyed"):
                    break;

                default:
                    return false;
            }
        }

        if (service is null || (implementation is null && (viaFactory || typeOfs == 2 || (name is GenericNameSyntax g && g.TypeArgumentList.Arguments.Count == 2 && !method.EndsWith("Factory", StringComparison.Ordinal)))))
        {
            return false;
        }

        registration = new ServiceRegistration(method, lifetime, service, implementation, viaFactory, resolved.ToImmutable(), NameLocation(invocation));
        return true;
    }

    /// <summary>
    /// Where the call's type names are bound: at the start of the member that contains it, where they mean what they
    /// mean in its body, but binding them there builds nothing of the body (inside it, the first question binds the
    /// whole method). In a generic method or local function, or in top-level statements, at the call itself.
    /// </summary>
    private static int ScopePosition(SyntaxNode node)
    {
        for (var current = node.Parent; current is not null; current = current.Parent)
        {
            switch (current)
            {
                case LocalFunctionStatementSyntax { TypeParameterList: not null }:
                case MethodDeclarationSyntax { TypeParameterList: not null }:
                case GlobalStatementSyntax:
                    return node.SpanStart;

                case BaseMethodDeclarationSyntax or BasePropertyDeclarationSyntax:
                    return current.SpanStart;

                case BaseTypeDeclarationSyntax:
                    return node.SpanStart;
            }
        }

        return node.SpanStart;
    }

    /// <summary>
    /// False when no constructor of <paramref name="type"/>'s declarations names <c>RequestDelegate</c>: most classes are
    /// ruled out as middleware from their syntax, before the compiler completes their constructors. A file with a
    /// using alias may spell it otherwise, and is left to the symbols.
    /// </summary>
    private static bool MayTakeNextDelegate(INamedTypeSymbol type)
    {
        var references = type.DeclaringSyntaxReferences;
        if (references.IsEmpty)
        {
            return true;
        }

        foreach (var reference in references)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration
                || HasUsingAlias((CompilationUnitSyntax)declaration.SyntaxTree.GetRoot())
                || (declaration.ParameterList is { } primary && NamesNextDelegate(primary)))
            {
                return true;
            }

            foreach (var member in declaration.Members)
            {
                if (member is ConstructorDeclarationSyntax constructor && NamesNextDelegate(constructor.ParameterList))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static bool NamesNextDelegate(ParameterListSyntax parameters)
    {
        foreach (var parameter in parameters.Parameters)
        {
            var name = parameter.Type switch
            {
                QualifiedNameSyntax qualified => qualified.Right,
                AliasQualifiedNameSyntax aliased => aliased.Name,
                NullableTypeSyntax { ElementType: SimpleNameSyntax inner } => inner,
                _ => parameter.Type as SimpleNameSyntax,
            };

            if (name?.Identifier.ValueText == "RequestDelegate")
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasUsingAlias(CompilationUnitSyntax root)
    {
        foreach (var directive in root.Usings)
        {
            if (directive.Alias is not null)
            {
                return true;
            }
        }

        foreach (var member in root.Members)
        {
            if (member is BaseNamespaceDeclarationSyntax space)
            {
                foreach (var directive in space.Usings)
                {
                    if (directive.Alias is not null)
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static ITypeSymbol? BindType(SemanticModel model, int position, TypeSyntax type)
        => model.GetSpeculativeTypeInfo(position, type, SpeculativeBindingOption.BindAsTypeOrNamespace).Type is { TypeKind: not TypeKind.Error } bound ? bound : null;

    /// <summary>True for a class the host runs for its whole life: <c>IHostedService</c>, hence every <c>BackgroundService</c>.</summary>
    public bool IsHostedService(INamedTypeSymbol type) => KnownTypes.Implements(type, HostedService);

    /// <summary>
    /// True for conventional middleware: a constructor taking the next <c>RequestDelegate</c> and an
    /// <c>Invoke</c>/<c>InvokeAsync</c> taking the <c>HttpContext</c>. ASP.NET Core builds it once, at startup.
    /// </summary>
    public bool IsConventionalMiddleware(INamedTypeSymbol type)
    {
        if (RequestDelegate is null || HttpContext is null || !MayTakeNextDelegate(type) || KnownTypes.Implements(type, Middleware))
        {
            return false;
        }

        var takesNext = false;
        foreach (var constructor in type.InstanceConstructors)
        {
            foreach (var parameter in constructor.Parameters)
            {
                takesNext |= SymbolEqualityComparer.Default.Equals(parameter.Type, RequestDelegate);
            }
        }

        if (!takesNext)
        {
            return false;
        }

        foreach (var member in type.GetMembers())
        {
            if (member is IMethodSymbol { Name: "Invoke" or "InvokeAsync", IsStatic: false, Parameters.Length: > 0 } method
                && SymbolEqualityComparer.Default.Equals(method.Parameters[0].Type, HttpContext))
            {
                return true;
            }
        }

        return false;
    }


    private static bool TryRead(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, SyntaxNode syntax, out ServiceRegistration? registration)
    {
        registration = null;
        if (!TryGetLifetime(method, arguments, out var lifetime, out var label))
        {
            return false;
        }

        ITypeSymbol? service = null;
        ITypeSymbol? implementation = null;
        var typeArguments = method.TypeArguments;
        if (typeArguments.Length >= 1)
        {
            service = typeArguments[0];
        }

        // AddDbContextFactory<TContext, TFactory>: the second argument is the factory, not the context.
        if (typeArguments.Length == 2 && !method.Name.EndsWith("Factory", StringComparison.Ordinal))
        {
            implementation = typeArguments[1];
        }

        var viaFactory = false;
        var resolved = ImmutableArray<ITypeSymbol>.Empty;
        foreach (var argument in arguments)
        {
            switch (argument.Parameter?.Name)
            {
                case "serviceType":
                    service = TypeOfOperand(argument.Value) ?? service;
                    break;
                case "implementationType":
                    implementation = TypeOfOperand(argument.Value) ?? implementation;
                    break;
                case "implementationInstance" or "instance":
                    implementation = WithoutConversions(argument.Value).Type ?? implementation;
                    break;
                case "implementationFactory" or "factory":
                    viaFactory = true;
                    implementation = ReadFactory(argument.Value, out resolved) ?? implementation;
                    break;
            }
        }

        if (service is null && implementation is null)
        {
            return false;
        }

        registration = new ServiceRegistration(label, lifetime, service, implementation, viaFactory, resolved, NameLocation(syntax));
        return true;
    }

    private static bool TryGetLifetime(IMethodSymbol method, ImmutableArray<IArgumentOperation> arguments, out ServiceLifetime lifetime, out string label)
    {
        var name = method.Name;
        var isDescriptor = method.ContainingType.Name == "ServiceDescriptor";
        label = isDescriptor && method.MethodKind != MethodKind.Constructor ? "ServiceDescriptor." + name : isDescriptor ? "ServiceDescriptor" : name;
        lifetime = ServiceLifetime.Transient;

        switch (name)
        {
            case "AddHostedService":
                lifetime = ServiceLifetime.Singleton;
                return true;

            // EF Core: the context is scoped unless contextLifetime says otherwise. Pools and factories hand
            // out one context per scope or per call.
            case "AddDbContext":
                return TryGetLifetimeArgument(arguments, "contextLifetime", ServiceLifetime.Scoped, out lifetime);
            case "AddDbContextPool" or "AddDbContextFactory" or "AddPooledDbContextFactory":
                lifetime = ServiceLifetime.Scoped;
                return true;

            case "Describe" or "DescribeKeyed" or ".ctor":
                // new ServiceDescriptor(type, instance) has no lifetime argument: an instance is a singleton.
                return TryGetLifetimeArgument(arguments, "lifetime", ServiceLifetime.Singleton, out lifetime);
        }

        if (!name.StartsWith("Add", StringComparison.Ordinal) && !name.StartsWith("TryAdd", StringComparison.Ordinal) && !isDescriptor)
        {
            return false;
        }

        if (name.EndsWith("Singleton", StringComparison.Ordinal))
        {
            lifetime = ServiceLifetime.Singleton;
            return true;
        }

        if (name.EndsWith("Scoped", StringComparison.Ordinal))
        {
            lifetime = ServiceLifetime.Scoped;
            return true;
        }

        return name.EndsWith("Transient", StringComparison.Ordinal);
    }

    private static bool TryGetLifetimeArgument(ImmutableArray<IArgumentOperation> arguments, string parameterName, ServiceLifetime @default, out ServiceLifetime lifetime)
    {
        lifetime = @default;
        foreach (var argument in arguments)
        {
            if (argument.Parameter?.Name != parameterName)
            {
                continue;
            }

            // A lifetime computed at run time is not known here: no registration rather than a guess.
            var constant = argument.Value.ConstantValue;
            if (!constant.HasValue || constant.Value is not int value || value < 0 || value > 2)
            {
                return false;
            }

            lifetime = (ServiceLifetime)value;
        }

        return true;
    }

    /// <summary>
    /// What a factory lambda builds (the type it returns with <c>new</c> or <c>ActivatorUtilities.CreateInstance</c>)
    /// and which services it resolves to build it.
    /// </summary>
    private static ITypeSymbol? ReadFactory(IOperation value, out ImmutableArray<ITypeSymbol> resolved)
    {
        resolved = ImmutableArray<ITypeSymbol>.Empty;
        if (WithoutConversions(value) is not IDelegateCreationOperation { Target: IAnonymousFunctionOperation function })
        {
            return null;
        }

        ITypeSymbol? built = null;
        var builder = ImmutableArray.CreateBuilder<ITypeSymbol>();
        foreach (var operation in function.Body.Descendants())
        {
            switch (operation)
            {
                // The factory's own return: `_ => () => new SqlConnection(cs)` builds a delegate, not the connection its delegate makes.
                case IReturnOperation { ReturnedValue: { } returned } when built is null && FunctionBody.RootOf(operation) == function:
                    built = WithoutConversions(returned) switch
                    {
                        IObjectCreationOperation creation => creation.Type,
                        IInvocationOperation { TargetMethod: { Name: "CreateInstance", TypeArguments.Length: 1 } create } => create.TypeArguments[0],
                        _ => null,
                    };
                    break;

                case IInvocationOperation invocation when IsResolveCall(invocation.TargetMethod) && !ResolvesPerCall(invocation, function):
                    if (ResolvedType(invocation) is { } type)
                    {
                        builder.Add(type);
                    }

                    break;
            }
        }

        resolved = builder.ToImmutable();
        return built;
    }

    private static bool IsResolveCall(IMethodSymbol method) => IsResolveName(method.Name);

    /// <summary>
    /// <c>sp => () => sp.CreateScope().ServiceProvider.GetRequiredService&lt;AppDb&gt;()</c>: a delegate the factory hands
    /// out that makes a scope of its own each time it runs resolves a new service per call, which the singleton does
    /// not keep. The same delegate resolving from <c>sp</c>, the root provider, or from a scope the factory made once,
    /// gets the one instance every time, as a resolution in the factory's own body does.
    /// </summary>
    private static bool ResolvesPerCall(IInvocationOperation invocation, IAnonymousFunctionOperation factory)
    {
        IOperation? nested = null;
        for (var parent = invocation.Parent; parent is not null && parent != factory; parent = parent.Parent)
        {
            if (parent is IAnonymousFunctionOperation or ILocalFunctionOperation)
            {
                nested = parent;
                break;
            }
        }

        var provider = invocation.TargetMethod.IsExtensionMethod
            ? invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null
            : invocation.Instance;
        if (nested is null || provider is null
            || WithoutConversions(provider) is not IPropertyReferenceOperation { Property.Name: "ServiceProvider", Instance: { } scope })
        {
            return false;
        }

        return WithoutConversions(scope) switch
        {
            IInvocationOperation => true,
            ILocalReferenceOperation local => local.Local.Locations.Length > 0 && nested.Syntax.Span.Contains(local.Local.Locations[0].SourceSpan),
            _ => false,
        };
    }

    /// <summary>The names of the calls that resolve one service from a provider: the test before any symbol is looked at.</summary>
    public static bool IsResolveName(string name)
        => name is "GetService" or "GetRequiredService" or "GetKeyedService" or "GetRequiredKeyedService";

    /// <summary>
    /// Reads <c>_services.GetRequiredService&lt;AppDb&gt;()</c>: a call that resolves a service from a provider the instance
    /// keeps, a field, auto-property or primary constructor parameter of its own, not a scope's provider or one handed in
    /// per call (<c>scope.ServiceProvider</c>, <c>context.RequestServices</c>). <paramref name="provider"/> is that member
    /// or parameter, <paramref name="location"/> the method's name, where DBC002 reports it.
    /// </summary>
    public static bool TryReadHeldProviderResolution(IInvocationOperation invocation, CancellationToken cancellationToken, out ISymbol provider, out ITypeSymbol service, out Location location)
    {
        provider = null!;
        service = null!;
        location = null!;
        var method = invocation.TargetMethod;
        if (method.ContainingType?.Name is not ("ServiceProviderServiceExtensions" or "ServiceProviderKeyedServiceExtensions" or "IServiceProvider" or "IKeyedServiceProvider")
            || ResolvedType(invocation) is not { } resolved)
        {
            return false;
        }

        var receiver = method.IsExtensionMethod
            ? invocation.Arguments.Length > 0 ? invocation.Arguments[0].Value : null
            : invocation.Instance;
        if (receiver is null || HeldByInstance.Read(receiver, cancellationToken) is not { } held)
        {
            return false;
        }

        provider = held;
        service = resolved;
        location = NameLocation(invocation.Syntax);
        return true;
    }

    /// <summary><c>class Reports(IServiceProvider services)</c>: its parameters are in scope, and kept, in every member.</summary>
    public static bool IsPrimaryConstructor(IMethodSymbol constructor, CancellationToken cancellationToken)
    {
        foreach (var reference in constructor.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax(cancellationToken) is TypeDeclarationSyntax)
            {
                return true;
            }
        }

        return false;
    }

    private static ITypeSymbol? ResolvedType(IInvocationOperation invocation)
    {
        if (invocation.TargetMethod.TypeArguments.Length == 1)
        {
            return invocation.TargetMethod.TypeArguments[0];
        }

        foreach (var argument in invocation.Arguments)
        {
            if (TypeOfOperand(argument.Value) is { } type)
            {
                return type;
            }
        }

        return null;
    }

    /// <summary>The type in <c>typeof(T)</c>; for an open generic <c>typeof(Repository&lt;&gt;)</c>, its definition, whose members are bound.</summary>
    private static ITypeSymbol? TypeOfOperand(IOperation value)
        => WithoutConversions(value) is ITypeOfOperation typeOf
            ? typeOf.TypeOperand is INamedTypeSymbol { IsUnboundGenericType: true } open ? open.OriginalDefinition : typeOf.TypeOperand
            : null;

    private static IOperation WithoutConversions(IOperation operation)
    {
        while (operation is IConversionOperation conversion)
        {
            operation = conversion.Operand;
        }

        return operation;
    }

    /// <summary>The method's name in <c>services.AddSingleton&lt;T&gt;()</c>; the whole <c>new ServiceDescriptor(...)</c>.</summary>
    private static Location NameLocation(SyntaxNode syntax) => syntax switch
    {
        InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax access } => access.Name.GetLocation(),
        InvocationExpressionSyntax { Expression: SimpleNameSyntax name } => name.GetLocation(),
        InvocationExpressionSyntax { Expression: MemberBindingExpressionSyntax binding } => binding.Name.GetLocation(),
        _ => syntax.GetLocation(),
    };
}
