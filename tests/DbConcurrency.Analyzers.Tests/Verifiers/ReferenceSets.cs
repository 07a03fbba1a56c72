using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Testing;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>
/// The real libraries the rules are tested against, as named reference sets. Each is the .NET 8
/// reference pack plus the library's NuGet package (and its dependencies), resolved by the testing
/// framework the way a project restore would.
/// </summary>
public static class ReferenceSets
{
    public static readonly ReferenceAssemblies Net80 = ReferenceAssemblies.Net.Net80;

    public static readonly ReferenceAssemblies EfCore8 = With(("Microsoft.EntityFrameworkCore", "8.0.30"));
    public static readonly ReferenceAssemblies EfCore9 = With(("Microsoft.EntityFrameworkCore", "9.0.0"));
    public static readonly ReferenceAssemblies EfCoreSqlite8 = With(("Microsoft.EntityFrameworkCore.Sqlite", "8.0.30"));
    public static readonly ReferenceAssemblies Npgsql8 = With(("Npgsql", "8.0.5"));
    public static readonly ReferenceAssemblies SqlClient = With(("Microsoft.Data.SqlClient", "5.1.9"));
    public static readonly ReferenceAssemblies Sqlite8 = With(("Microsoft.Data.Sqlite", "8.0.30"));
    public static readonly ReferenceAssemblies SqliteDapper = With(("Microsoft.Data.Sqlite", "8.0.30"), ("Dapper", "2.1.66"));

    /// <summary>Every provider library, for tests that must hold whichever one a user picked.</summary>
    public static readonly ImmutableDictionary<string, ReferenceAssemblies> ByName = new Dictionary<string, ReferenceAssemblies>
    {
        ["EfCore8"] = EfCore8,
        ["EfCore9"] = EfCore9,
        ["Npgsql8"] = Npgsql8,
        ["SqlClient"] = SqlClient,
        ["Sqlite8"] = Sqlite8,
        ["SqliteDapper"] = SqliteDapper,
    }.ToImmutableDictionary();

    private static ReferenceAssemblies With(params (string Id, string Version)[] packages)
        => Net80.AddPackages(packages.Select(p => new PackageIdentity(p.Id, p.Version)).ToImmutableArray());
}
