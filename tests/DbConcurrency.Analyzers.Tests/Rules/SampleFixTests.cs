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

    /// <summary>What Microsoft.NET.Sdk.Web adds to the implicit usings above.</summary>
    private const string WebImplicitUsings = """

        global using System.Net.Http;
        global using System.Net.Http.Json;
        global using Microsoft.AspNetCore.Builder;
        global using Microsoft.AspNetCore.Hosting;
        global using Microsoft.AspNetCore.Http;
        global using Microsoft.AspNetCore.Routing;
        global using Microsoft.Extensions.Configuration;
        global using Microsoft.Extensions.DependencyInjection;
        global using Microsoft.Extensions.Hosting;
        global using Microsoft.Extensions.Logging;
        """;

    [Fact]
    public async Task Fixed_sample_TodoStore_is_the_DBC001_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.StaticDatabaseObjectAnalyzer, CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider>(
            "TodoStore.cs",
            ReferenceSets.SqliteDapper,
            ("SqliteConnection Connection =", "SqliteConnection {|DBC001:Connection|} ="));
    }

    /// <summary>
    /// The singleton is one because Program.cs registers it, so the whole app is compiled, with the web SDK's
    /// implicit usings; Program.cs is shared by both twins.
    /// </summary>
    [Fact]
    public async Task Fixed_sample_TodoSearch_is_the_DBC002_scope_fix_applied_to_the_broken_one()
    {
        var broken = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", "TodoSearch.cs"));
        var program = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi", "Program.cs"));
        const string Parameter = "TodoSearch(SqliteConnection connection)";
        const string Registration = "AddSingleton<TodoSearch>()";
        Assert.Contains(Parameter, broken, StringComparison.Ordinal);
        Assert.Contains(Registration, program, StringComparison.Ordinal);

        var test = new CSharpCodeFixVerifier<Analyzers.Rules.SingletonDatabaseObjectAnalyzer, CodeFixes.Rules.SingletonDatabaseObjectCodeFixProvider>.Test(ReferenceSets.ByName("AspNetCoreSample"))
        {
            TestCode = broken.Replace(Parameter, "TodoSearch(SqliteConnection {|DBC002:connection|})", StringComparison.Ordinal),
            FixedCode = File.ReadAllText(RepositoryRoot.Combine("samples", "TodoApi.Fixed", "TodoSearch.cs")),
            CodeActionEquivalenceKey = CodeFixes.Rules.SingletonDatabaseObjectCodeFixProvider.ServiceScopeKey,
        };
        test.TestState.OutputKind = Microsoft.CodeAnalysis.OutputKind.ConsoleApplication;
        test.TestState.Sources.Add(("Program.cs", program.Replace(Registration, "{|DBC002:AddSingleton<TodoSearch>|}()", StringComparison.Ordinal)));
        test.FixedState.Sources.Add(("Program.cs", program));
        foreach (var state in new[] { test.TestState, test.FixedState })
        {
            foreach (var path in Directory.GetFiles(RepositoryRoot.Combine("samples", "TodoApi"), "*.cs").Order(StringComparer.Ordinal))
            {
                var file = Path.GetFileName(path);
                if (file is not ("TodoSearch.cs" or "Program.cs"))
                {
                    state.Sources.Add((file, File.ReadAllText(path)));
                }
            }

            state.Sources.Add(("GlobalUsings.cs", ImplicitUsings + WebImplicitUsings));
        }

        await test.RunAsync();
    }

    [Fact]
    public async Task Fixed_sample_TodoImport_is_the_DBC003_per_worker_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.ConcurrentDelegateCaptureAnalyzer, CodeFixes.Rules.ConcurrentDelegateCaptureCodeFixProvider>(
            "TodoImport.cs",
            ReferenceSets.SqliteDapper,
            ("            connection.Execute(\"insert", "            {|DBC003:connection|}.Execute(\"insert"),
            CodeFixes.Rules.ConcurrentDelegateCaptureCodeFixProvider.PerWorkerKey);
    }

    [Fact]
    public async Task Fixed_sample_TodoReport_is_the_DBC004_sequential_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.OverlappingOperationsAnalyzer, CodeFixes.Rules.OverlappingOperationsCodeFixProvider>(
            "TodoReport.cs",
            ReferenceSets.NpgsqlDapper,
            ("connection.ExecuteScalarAsync<long>", "connection.{|DBC004:ExecuteScalarAsync<long>|}"));
    }

    [Fact]
    public async Task Fixed_sample_TodoStats_is_the_DBC005_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.UnsynchronizedUseAnalyzer, CodeFixes.Rules.UnsynchronizedUseCodeFixProvider>(
            "TodoStats.cs",
            ReferenceSets.NpgsqlDapper,
            ("=> _connection.ExecuteScalar", "=> {|DBC005:_connection|}.ExecuteScalar"));
    }

    [Fact]
    public async Task Fixed_sample_TodoArchive_is_the_DBC006_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.TransactionScopeWithoutAsyncFlowAnalyzer, CodeFixes.Rules.TransactionScopeWithoutAsyncFlowCodeFixProvider>(
            "TodoArchive.cs",
            ReferenceSets.NpgsqlDapper,
            ("new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted })", "{|DBC006:new TransactionScope(TransactionScopeOption.Required, new TransactionOptions { IsolationLevel = IsolationLevel.ReadCommitted })|}"));
    }

    [Fact]
    public async Task Fixed_sample_TodoLikes_is_the_DBC007_atomic_update_fix_applied_to_the_broken_one()
    {
        await VerifySampleFile<Analyzers.Rules.LostUpdateAnalyzer, CodeFixes.Rules.LostUpdateCodeFixProvider>(
            "TodoLikes.cs",
            ReferenceSets.NpgsqlDapper,
            ("connection.ExecuteScalar<long>(\"select likes from todo_likes where todo_id = @id\", new { id })", "{|DBC007:connection.ExecuteScalar<long>(\"select likes from todo_likes where todo_id = @id\", new { id })|}"),
            CodeFixes.Rules.LostUpdateCodeFixProvider.AtomicUpdateKey);
    }

    private static async Task VerifySampleFile<TAnalyzer, TCodeFix>(string file, ReferenceSet references, (string Text, string Marked) finding, string? codeActionKey = null)
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
            CodeActionEquivalenceKey = codeActionKey,
        };
        foreach (var state in new[] { test.TestState, test.FixedState })
        {
            state.Sources.Add(("Todo.cs", todo));
            state.Sources.Add(("GlobalUsings.cs", ImplicitUsings));
        }

        await test.RunAsync();
    }
}
