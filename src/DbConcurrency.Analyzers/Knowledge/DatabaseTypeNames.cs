using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// The metadata names behind the design's lists. Kept as names, not symbols, so a library the
/// compilation does not reference is simply absent from the catalog.
/// </summary>
internal static class DatabaseTypeNames
{
    /// <summary>Types whose instances must not be used by two threads (or two in-flight operations) at once.</summary>
    public static readonly ImmutableArray<(string MetadataName, DatabaseObjectKind Kind)> Unsafe = ImmutableArray.Create(
        ("System.Data.Common.DbConnection", DatabaseObjectKind.Connection),
        ("System.Data.Common.DbCommand", DatabaseObjectKind.Command),
        ("System.Data.Common.DbDataReader", DatabaseObjectKind.Reader),
        ("System.Data.Common.DbTransaction", DatabaseObjectKind.Transaction),
        ("System.Data.Common.DbBatch", DatabaseObjectKind.Batch),
        ("System.Data.IDbConnection", DatabaseObjectKind.Connection),
        ("System.Data.IDbCommand", DatabaseObjectKind.Command),
        ("System.Data.IDataReader", DatabaseObjectKind.Reader),
        ("System.Data.IDbTransaction", DatabaseObjectKind.Transaction),
        ("Microsoft.EntityFrameworkCore.DbContext", DatabaseObjectKind.Context),
        // A DbSet is bound to the one context that created it; sharing it shares that context.
        ("Microsoft.EntityFrameworkCore.DbSet`1", DatabaseObjectKind.Context),
        ("System.Data.Entity.DbContext", DatabaseObjectKind.Context),
        ("System.Data.Entity.DbSet`1", DatabaseObjectKind.Context),
        ("System.Data.Entity.Core.Objects.ObjectContext", DatabaseObjectKind.Context),
        ("NHibernate.ISession", DatabaseObjectKind.Session),
        ("NHibernate.IStatelessSession", DatabaseObjectKind.Session),
        ("LinqToDB.Data.DataConnection", DatabaseObjectKind.Connection));

    /// <summary>Thread-safe factories and settings: never database objects, even when they derive from or wrap one.</summary>
    public static readonly ImmutableArray<string> Safe = ImmutableArray.Create(
        "System.Data.Common.DbDataSource",
        "System.Data.Common.DbProviderFactory",
        "System.Data.Common.DbConnectionStringBuilder",
        "Microsoft.EntityFrameworkCore.IDbContextFactory`1",
        "Microsoft.EntityFrameworkCore.DbContextOptions",
        "Microsoft.Extensions.DependencyInjection.IServiceScopeFactory",
        "System.IServiceProvider",
        "NHibernate.ISessionFactory");

    /// <summary>
    /// True for <c>ThreadLocal&lt;T&gt;</c> and <c>AsyncLocal&lt;T&gt;</c>: holders that give each thread or async
    /// flow its own value, so the value is not shared.
    /// </summary>
    public static bool IsPerThreadHolder(INamedTypeSymbol definition)
        => KnownTypes.Is(definition, "System.Threading", "ThreadLocal`1") || KnownTypes.Is(definition, "System.Threading", "AsyncLocal`1");

    /// <summary>
    /// True for the hand-off collections: <c>BlockingCollection&lt;T&gt;</c> and every
    /// <c>IProducerConsumerCollection&lt;T&gt;</c> (<c>ConcurrentBag</c>, <c>ConcurrentQueue</c>, <c>ConcurrentStack</c>). Each
    /// item goes to the one caller that takes it, as from a pool: what they hold is not shared by being in them.
    /// </summary>
    public static bool IsHandOff(INamedTypeSymbol definition)
        => KnownTypes.Is(definition, "System.Collections.Concurrent", "BlockingCollection`1")
           || KnownTypes.Is(definition, "System.Collections.Concurrent", "IProducerConsumerCollection`1");

    /// <summary>Single-value wrappers whose type arguments are the objects they hand out: Lazy, Task, ValueTask, KeyValuePair, tuples.</summary>
    public static bool IsWrapper(INamedTypeSymbol definition)
    {
        switch (definition.MetadataName)
        {
            case "Lazy`1" or "Lazy`2"
                or "Tuple`1" or "Tuple`2" or "Tuple`3" or "Tuple`4" or "Tuple`5" or "Tuple`6" or "Tuple`7" or "Tuple`8"
                or "ValueTuple`1" or "ValueTuple`2" or "ValueTuple`3" or "ValueTuple`4" or "ValueTuple`5" or "ValueTuple`6" or "ValueTuple`7" or "ValueTuple`8":
                return KnownTypes.Is(definition, "System", definition.MetadataName);
            case "Task`1" or "ValueTask`1":
                return KnownTypes.Is(definition, "System.Threading.Tasks", definition.MetadataName);
            case "KeyValuePair`2":
                return KnownTypes.Is(definition, "System.Collections.Generic", definition.MetadataName);
            default:
                return false;
        }
    }

    public static bool IsThreadStaticAttribute(INamedTypeSymbol? attribute)
        => attribute is not null && KnownTypes.Is(attribute, "System", "ThreadStaticAttribute");
}
