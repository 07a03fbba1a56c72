using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Testing;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>
/// The real libraries the rules are tested against, as named sets. Each set is the .NET 8 reference
/// pack plus real NuGet packages, restored by a project under <c>tests/ReferenceSets</c>; the build
/// writes each set's compile-time references next to the test assembly.
/// </summary>
public sealed class ReferenceSet
{
    private static readonly ConcurrentDictionary<string, ReferenceSet> Loaded = new();

    private ReferenceSet(string name, ImmutableArray<MetadataReference> references)
    {
        Name = name;
        References = references;
    }

    public string Name { get; }

    public ImmutableArray<MetadataReference> References { get; }

    /// <summary>A placeholder for the testing framework: every reference comes from <see cref="References"/>.</summary>
    public static ReferenceAssemblies NoFrameworkPackages { get; } = new("net8.0");

    public static ReferenceSet Get(string name) => Loaded.GetOrAdd(name, Load);

    public override string ToString() => Name;

    private static ReferenceSet Load(string name)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "reference-sets", name + ".txt");
        if (!File.Exists(file))
        {
            throw new InvalidOperationException($"Reference set '{name}' was not written by the build ({file}); build the test project.");
        }

        var references = File.ReadAllLines(file)
            .Where(line => line.Length > 0)
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
        return new ReferenceSet(name, references);
    }
}

public static class ReferenceSets
{
    /// <summary>The .NET 8 reference pack alone: ADO.NET base types, no provider, no EF Core.</summary>
    public static ReferenceSet Net80 => ReferenceSet.Get(nameof(Net80));

    /// <summary>The .NET 9 reference pack alone: adds <c>System.Threading.Lock</c>.</summary>
    public static ReferenceSet Net90 => ReferenceSet.Get(nameof(Net90));

    /// <summary>EF Core 8 with its SQLite provider (Microsoft.EntityFrameworkCore.Sqlite 8.0.31).</summary>
    public static ReferenceSet EfCore8 => ReferenceSet.Get(nameof(EfCore8));

    /// <summary>EF Core 9 with its SQLite provider (Microsoft.EntityFrameworkCore.Sqlite 9.0.0).</summary>
    public static ReferenceSet EfCore9 => ReferenceSet.Get(nameof(EfCore9));

    public static ReferenceSet Npgsql8 => ReferenceSet.Get(nameof(Npgsql8));

    /// <summary>Microsoft.Data.SqlClient 5.1.9, with Dapper for the SQL Server idioms.</summary>
    public static ReferenceSet SqlClient => ReferenceSet.Get(nameof(SqlClient));

    public static ReferenceSet Sqlite8 => ReferenceSet.Get(nameof(Sqlite8));

    public static ReferenceSet SqliteDapper => ReferenceSet.Get(nameof(SqliteDapper));

    /// <summary>Npgsql 8 with Dapper.</summary>
    public static ReferenceSet NpgsqlDapper => ReferenceSet.Get(nameof(NpgsqlDapper));

    /// <summary>ASP.NET Core 8 shared framework, EF Core 8 (SQLite) and Npgsql.</summary>
    public static ReferenceSet AspNetCore8 => ReferenceSet.Get(nameof(AspNetCore8));

    /// <summary>Azure.Messaging.ServiceBus 7.21.0 and RabbitMQ.Client 7.2.2 with ASP.NET Core 8 hosting, EF Core 8 (SQLite) and Dapper.</summary>
    public static ReferenceSet Messaging => ReferenceSet.Get(nameof(Messaging));

    public static ReferenceSet ByName(string name) => ReferenceSet.Get(name);
}
