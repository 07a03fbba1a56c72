using System.Collections.Immutable;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// The analyzers run with concurrent execution on many files, as the build does: the findings must be the
/// same, in the same order, as a sequential run, every time.
/// </summary>
public class DeterminismTests
{
    [Fact]
    public async Task Concurrent_runs_report_what_a_sequential_run_reports_every_time()
    {
        var analyzers = ShippedAnalyzers.Create();

        // Many files: the kitchen sink under several namespaces, beside the sample app's own files.
        var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(KitchenSink.GlobalUsings, path: "/GlobalUsings.cs") };
        for (var i = 0; i < 12; i++)
        {
            trees.Add(CSharpSyntaxTree.ParseText(KitchenSink.EveryRule.Replace("namespace Shop;", $"namespace Shop{i};", StringComparison.Ordinal), path: $"/Shop{i}.cs"));
        }

        foreach (var file in Directory.GetFiles(RepositoryRoot.Combine("samples", "TodoApi"), "*.cs").Where(f => !f.EndsWith("Program.cs", StringComparison.Ordinal)))
        {
            trees.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file), path: file));
        }

        var compilation = CSharpCompilation.Create(
            "Determinism",
            trees,
            ReferenceSets.ByName("Everything").References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var sequential = await RunAsync(compilation, analyzers, concurrent: false);
        Assert.True(sequential.Count > 100, $"only {sequential.Count} findings");
        for (var run = 0; run < 4; run++)
        {
            Assert.Equal(sequential, await RunAsync(compilation, analyzers, concurrent: true));
        }
    }

    private static async Task<List<string>> RunAsync(Compilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers, bool concurrent)
    {
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrent, logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.Clone().WithAnalyzers(analyzers, options).GetAnalyzerDiagnosticsAsync();

        // In the order a build lists them: by file, then position, then rule.
        return diagnostics
            .OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ThenBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.GetMessage(System.Globalization.CultureInfo.InvariantCulture), StringComparer.Ordinal)
            .Select(d => $"{d.Location.GetLineSpan()}: {d.Id} {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}")
            .ToList();
    }
}
