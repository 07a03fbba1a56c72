using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>The three lifetimes of Microsoft.Extensions.DependencyInjection, with the same numeric values.</summary>
internal enum ServiceLifetime
{
    Singleton = 0,
    Scoped = 1,
    Transient = 2,
}

/// <summary>
/// One service registration found in source: <c>AddSingleton&lt;IMailer, Mailer&gt;()</c>,
/// <c>ServiceDescriptor.Scoped(...)</c>, <c>AddHostedService&lt;Worker&gt;()</c>, <c>AddDbContext&lt;T&gt;(…)</c>.
/// </summary>
internal sealed class ServiceRegistration
{
    public ServiceRegistration(
        string method,
        ServiceLifetime lifetime,
        ITypeSymbol? serviceType,
        ITypeSymbol? implementationType,
        bool viaFactory,
        ImmutableArray<ITypeSymbol> resolvedByFactory,
        Location location)
    {
        ViaFactory = viaFactory;
        Method = method;
        Lifetime = lifetime;
        ServiceType = serviceType;
        ImplementationType = implementationType;
        ResolvedByFactory = resolvedByFactory;
        Location = location;
    }

    /// <summary>The registering call as messages name it: "AddSingleton", "ServiceDescriptor.Singleton".</summary>
    public string Method { get; }

    public ServiceLifetime Lifetime { get; }

    /// <summary>What consumers ask for; null when the call does not say (an untyped factory).</summary>
    public ITypeSymbol? ServiceType { get; }

    /// <summary>
    /// What the container builds: the implementation type argument, the <c>typeof</c>, the instance's type,
    /// or the type a factory lambda returns with <c>new</c>. Null when it cannot be known.
    /// </summary>
    public ITypeSymbol? ImplementationType { get; }

    /// <summary>The container calls a factory, not a constructor: the service type says nothing of what is built.</summary>
    public bool ViaFactory { get; }

    /// <summary>Services a factory lambda resolves (<c>sp.GetRequiredService&lt;T&gt;()</c>), held by what it builds.</summary>
    public ImmutableArray<ITypeSymbol> ResolvedByFactory { get; }

    /// <summary>The method name of the call (or the <c>new ServiceDescriptor</c>), where DBC002 reports it.</summary>
    public Location Location { get; }

    /// <summary>The type whose constructor the container calls: the implementation, else a concrete service type.</summary>
    public INamedTypeSymbol? ConstructedType
        => ImplementationType as INamedTypeSymbol
           ?? (!ViaFactory && ServiceType is INamedTypeSymbol { TypeKind: TypeKind.Class, IsAbstract: false } service ? service : null);
}
