using System.Collections.Immutable;

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

    /// <summary>Holders that give each thread or async flow its own value, so the value is not shared.</summary>
    public static readonly ImmutableArray<string> PerThreadHolders = ImmutableArray.Create(
        "System.Threading.ThreadLocal`1",
        "System.Threading.AsyncLocal`1");

    /// <summary>Single-value wrappers whose type arguments are the objects they hand out.</summary>
    public static readonly ImmutableArray<string> Wrappers = ImmutableArray.Create(
        "System.Lazy`1",
        "System.Lazy`2",
        "System.Threading.Tasks.Task`1",
        "System.Threading.Tasks.ValueTask`1",
        "System.Collections.Generic.KeyValuePair`2",
        "System.Tuple`1",
        "System.Tuple`2",
        "System.Tuple`3",
        "System.Tuple`4",
        "System.Tuple`5",
        "System.Tuple`6",
        "System.Tuple`7",
        "System.Tuple`8",
        "System.ValueTuple`1",
        "System.ValueTuple`2",
        "System.ValueTuple`3",
        "System.ValueTuple`4",
        "System.ValueTuple`5",
        "System.ValueTuple`6",
        "System.ValueTuple`7",
        "System.ValueTuple`8");

    public const string Enumerable = "System.Collections.Generic.IEnumerable`1";

    public const string ThreadStaticAttribute = "System.ThreadStaticAttribute";
}
