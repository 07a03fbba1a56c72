using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Knowledge;

/// <summary>
/// The rules bail out of a compilation that can hold no database object: none of the data libraries
/// referenced and no file naming ADO.NET's types. Every other compilation is read.
/// </summary>
public class DatabaseUseTests
{
    private const string Plain = """
        public static class Greeter
        {
            private static readonly System.Collections.Generic.List<string> Names = new();
            public static string Greet(string name) => "Hello " + name;
        }
        """;

    [Fact]
    public void A_project_with_no_data_library_and_no_ADO_NET_name_can_hold_no_database_object()
        => Assert.False(DatabaseUse.IsPossible(Compile(ReferenceSets.Net80, Plain)));

    [Theory]
    [InlineData("EfCore8")]
    [InlineData("Npgsql8")]
    [InlineData("SqlClient")]
    [InlineData("Sqlite8")]
    [InlineData("SqliteDapper")]
    [InlineData("Messaging")]
    public void A_project_referencing_a_data_library_is_read_even_where_its_code_uses_none(string library)
        => Assert.True(DatabaseUse.IsPossible(Compile(ReferenceSets.ByName(library), Plain)));

    [Theory]
    [InlineData("System.Data.IDbConnection")]
    [InlineData("System.Data.Common.DbConnection")]
    [InlineData("System.Data.IDataReader")]
    [InlineData("System.Data.Common.DbDataSource")]
    public void A_project_naming_ADO_NET_types_with_its_provider_elsewhere_is_read(string type)
        => Assert.True(DatabaseUse.IsPossible(Compile(ReferenceSets.Net80, Plain, $"public sealed class Repository({type} db) {{ }}")));

    [Fact]
    public void ADO_NET_names_in_comments_strings_and_longer_names_are_not_code_naming_the_types()
        => Assert.False(DatabaseUse.IsPossible(Compile(ReferenceSets.Net80, Plain, """
            /// <summary>Formerly held an IDbConnection; see DbConnectionPool.</summary>
            public static class Notes
            {
                // DbCommand and IDataReader were removed.
                public const string Was = "System.Data.Common.DbConnection";
                public static int MyDbConnectionCount;
                public static string DbTransactionLog() => $"{nameof(MyDbConnectionCount)}: DbBatch";
            }
            """)));

    [Fact]
    public async Task A_static_ADO_NET_connection_whose_provider_is_injected_from_another_project_is_still_reported()
    {
        // The repository project of a layered solution: System.Data only, the provider comes at the composition root.
        await Verify.VerifyAsync(ReferenceSets.Net80, """
            using System.Data;

            public static class Repository
            {
                public static IDbConnection {|#0:Connection|} = null!;
            }
            """,
            Verify.Diagnostic("DBC001").WithLocation(0).WithArguments("Connection", "IDbConnection", "field", "IDbConnection"));
    }

    private static CSharpCompilation Compile(ReferenceSet references, params string[] sources)
        => CSharpCompilation.Create(
            "Use",
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, path: $"/File{i}.cs")),
            references.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
}
