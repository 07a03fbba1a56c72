using DbConcurrency.Analyzers.Rules;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpAnalyzerVerifier<DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer>;

namespace DbConcurrency.Analyzers.Tests.Rules;

public class ProbeTests
{
    [Theory]
    [InlineData("EfCore8")]
    [InlineData("EfCore9")]
    [InlineData("Npgsql8")]
    [InlineData("SqlClient")]
    [InlineData("SqliteDapper")]
    public async Task Probe(string name)
    {
        await Verify.VerifyAsync(ReferenceSets.ByName[name], """
            using System.Data.Common;
            class C
            {
                static DbConnection {|DBC001:Connection|};
            }
            """);
    }
}
