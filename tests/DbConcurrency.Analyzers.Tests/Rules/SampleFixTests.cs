using DbConcurrency.Analyzers.Tests.Verifiers;
using Verify = DbConcurrency.Analyzers.Tests.Verifiers.CSharpCodeFixVerifier<
    DbConcurrency.Analyzers.Rules.StaticDatabaseObjectAnalyzer,
    DbConcurrency.CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider>;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>The sample's fixed twin is not hand-written: it is what the code fixes make of the broken app.</summary>
public class SampleFixTests
{
    private const string ImplicitUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        """;

    [Fact]
    public async Task Fixed_sample_TodoStore_is_the_code_fix_applied_to_the_broken_one()
    {
        var broken = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", "TodoStore.cs"));
        var fixedSource = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi.Fixed", "TodoStore.cs"));
        var todo = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", "Todo.cs"));

        var test = new Verify.Test(ReferenceSets.SqliteDapper)
        {
            TestCode = broken.Replace("SqliteConnection Connection =", "SqliteConnection {|DBC001:Connection|} =", StringComparison.Ordinal),
            FixedCode = fixedSource,
        };
        test.TestState.Sources.Add(("Todo.cs", todo));
        test.TestState.Sources.Add(("GlobalUsings.cs", ImplicitUsings));
        test.FixedState.Sources.Add(("Todo.cs", todo));
        test.FixedState.Sources.Add(("GlobalUsings.cs", ImplicitUsings));
        await test.RunAsync();
    }
}
