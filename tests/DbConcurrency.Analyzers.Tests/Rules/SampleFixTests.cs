using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Rules;

/// <summary>
/// The sample's fixed twin is not hand-written: each of its files is what the code fix for the rule
/// that file breaks makes of the broken app's file.
/// </summary>
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
    public async Task Fixed_sample_TodoStore_is_the_DBC001_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.StaticDatabaseObjectAnalyzer, CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider>(
            "TodoStore.cs",
            ReferenceSets.SqliteDapper,
            ("SqliteConnection Connection =", "SqliteConnection {|DBC001:Connection|} ="));
    }

    [Fact]
    public async Task Fixed_sample_TodoStats_is_the_DBC005_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.UnsynchronizedUseAnalyzer, CodeFixes.Rules.UnsynchronizedUseCodeFixProvider>(
            "TodoStats.cs",
            ReferenceSets.SqliteDapper,
            ("=> _connection.ExecuteScalar", "=> {|DBC005:_connection|}.ExecuteScalar"));
    }

    [Fact]
    public async Task Fixed_sample_TodoArchive_is_the_DBC006_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.TransactionScopeWithoutAsyncFlowAnalyzer, CodeFixes.Rules.TransactionScopeWithoutAsyncFlowCodeFixProvider>(
            "TodoArchive.cs",
            ReferenceSets.NpgsqlDapper,
            ("new TransactionScope()", "{|DBC006:new TransactionScope()|}"));
    }

    private static async Task VerifySampleFile<TAnalyzer, TCodeFix>(string file, ReferenceSet references, (string Text, string Marked) finding)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var broken = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", file));
        var fixedSource = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi.Fixed", file));
        var todo = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", "Todo.cs"));
        Assert.Contains(finding.Text, broken, StringComparison.Ordinal);

        var test = new CSharpCodeFixVerifier<TAnalyzer, TCodeFix>.Test(references)
        {
            TestCode = broken.Replace(finding.Text, finding.Marked, StringComparison.Ordinal),
            FixedCode = fixedSource,
        };
        foreach (var state in new[] { test.TestState, test.FixedState })
        {
            state.Sources.Add(("Todo.cs", todo));
            state.Sources.Add(("GlobalUsings.cs", ImplicitUsings));
        }

        await test.RunAsync();
    }
}
