using System.Collections.Immutable;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// Every finding is local: reported from the callback for the code it stands in, so the IDE computes it when that
/// document is analyzed, shows it without full-solution analysis, and can offer its fix. A finding reported from
/// another part of the code lands among the compilation's own diagnostics, which the IDE shows only after analyzing
/// the whole solution.
/// </summary>
public class LocalityTests
{
    /// <summary>Delegates whose body is elsewhere: a method group, a local function, a lambda kept in a local.</summary>
    private const string MethodGroups = """
        namespace Shop.Batches;

        public sealed class Batches
        {
            private readonly SqliteConnection _connection = new("Data Source=batches.db");

            public void Run(int[] batches)
            {
                Parallel.ForEach(batches, ProcessBatch);
                Parallel.ForEach(batches, this.ProcessBatch);

                var shared = new SqliteConnection("Data Source=batches.db");
                Parallel.ForEach(batches, Local);
                _ = Task.Run(Background);

                Action<int> stored = batch => shared.Execute("select @batch", new { batch });
                Parallel.ForEach(batches, stored);

                void Local(int batch) => shared.Execute("select @batch", new { batch });
            }

            private void ProcessBatch(int batch) => _connection.Execute("select @batch", new { batch });

            private void Background() => _connection.Execute("select 1");
        }
        """;

    [Fact]
    public async Task Every_rules_findings_are_local_to_the_document_they_stand_in()
    {
        var compilation = KitchenSink.Compile((KitchenSink.EveryRule, "/EveryRule.cs"), (MethodGroups, "/MethodGroups.cs"));
        var analyzers = ShippedAnalyzers.Create();
        var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), onAnalyzerException: null, concurrentAnalysis: true, logAnalyzerExecutionTime: false);

        var result = await compilation.WithAnalyzers(analyzers, options).GetAnalysisResultAsync(CancellationToken.None);

        var nonLocal = result.CompilationDiagnostics.SelectMany(p => p.Value).Select(d => d.ToString()).ToList();
        Assert.True(nonLocal.Count == 0, "Reported away from the code they stand in:\n" + string.Join("\n", nonLocal));

        var local = result.SemanticDiagnostics.Concat(result.SyntaxDiagnostics).SelectMany(p => p.Value).SelectMany(p => p.Value).ToList();
        Assert.Equal(
            analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Order(StringComparer.Ordinal),
            local.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal));
        Assert.Equal(5, local.Count(d => d.Id == DiagnosticIds.ConcurrentDelegateCapture && d.Location.SourceTree!.FilePath == "/MethodGroups.cs"));
    }
}
