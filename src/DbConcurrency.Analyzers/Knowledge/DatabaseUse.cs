using System;
using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Knowledge;

/// <summary>
/// Whether a compilation can hold a database object at all, answered before any type is looked up. Every
/// .NET project references <c>System.Data.Common</c>, so "a database type is referenced" says nothing; a
/// compilation can only meet one through a data library it references (a provider, an ORM, Dapper) or
/// through code that names ADO.NET's own types (a repository over <c>IDbConnection</c> whose provider is
/// injected from another project). With neither, no rule registers anything: a project with no data
/// access pays nothing.
/// </summary>
internal static class DatabaseUse
{
    // Name prefixes of the libraries that hand out database objects. Transitive references are in a
    // project's compile references, so a web project over a data project sees the provider too.
    private static readonly ImmutableArray<string> LibraryPrefixes = ImmutableArray.Create(
        "Microsoft.EntityFrameworkCore", "EntityFramework", "Npgsql", "Microsoft.Data.", "System.Data.SqlClient",
        "System.Data.SQLite", "System.Data.Odbc", "System.Data.OleDb", "System.Data.OracleClient", "Dapper",
        "MySqlConnector", "MySql.Data", "Oracle.", "NHibernate", "linq2db", "FirebirdSql", "IBM.Data",
        "Snowflake.Data", "DuckDB", "ClickHouse", "Teradata", "Devart.", "RepoDb", "PetaPoco", "NPoco",
        "ServiceStack.OrmLite", "SqlKata", "Marten", "Sap.Data", "AdoNetCore");

    // ADO.NET's own types, as code names them: a file naming none of them declares nothing that holds one.
    private static readonly ImmutableHashSet<string> AdoNetNames = ImmutableHashSet.Create(
        StringComparer.Ordinal,
        "DbConnection", "IDbConnection", "DbCommand", "IDbCommand", "DbDataReader", "IDataReader",
        "DbTransaction", "IDbTransaction", "DbBatch", "DbProviderFactory", "DbProviderFactories", "DbDataSource");

    // Every name above contains one of these: where they stand in a file's text is where its names can be.
    private static readonly ImmutableArray<string> AdoNetWords = ImmutableArray.Create("Db", "IDataReader");

    // Per tree, kept while the tree lives: the IDE re-reads only the file being edited.
    private static readonly ConditionalWeakTable<SyntaxTree, StrongBox<bool>> NamesAdoNet = new();

    public static bool IsPossible(Compilation compilation)
    {
        foreach (var identity in compilation.ReferencedAssemblyNames)
        {
            foreach (var prefix in LibraryPrefixes)
            {
                if (identity.Name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
        }

        foreach (var tree in compilation.SyntaxTrees)
        {
            if (NamesAdoNet.GetValue(tree, static t => new StrongBox<bool>(ReadNames(t))).Value)
            {
                return true;
            }
        }

        return false;
    }

    private static bool ReadNames(SyntaxTree tree)
    {
        foreach (var token in IdentifierSearch.Find(tree, AdoNetWords, CancellationToken.None))
        {
            if (AdoNetNames.Contains(token.ValueText))
            {
                return true;
            }
        }

        return false;
    }
}
