using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.Loader;
using DbConcurrency.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Benchmarks;

/// <summary>
/// The compiler's binding time for a compilation and each rule's execution time (the driver's own telemetry)
/// on the same compilation, measured in the same process, after a warm-up, as the median of several runs.
/// </summary>
internal static class AnalyzerCost
{
    /// <summary>The rules measured: all of them, or the one <c>--only DBCnnn</c> names (its figure then has no other rule to share compiler work with).</summary>
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; set; } = typeof(DiagnosticIds).Assembly.GetTypes()
        .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .OrderBy(analyzer => analyzer.SupportedDiagnostics[0].Id, StringComparer.Ordinal)
        .ToImmutableArray();

    /// <summary>The driver's own cost of calling each kind of callback once per node, measured beside the rules.</summary>
    public static Dictionary<string, TimeSpan> MeasureFloor(CSharpCompilation compilation, int runs)
    {
        var analyzers = Floor.Analyzers.Select(f => f.Analyzer).ToImmutableArray();
        var times = Floor.Analyzers.ToDictionary(f => f.Name, _ => new List<TimeSpan>());
        for (var i = 0; i <= runs; i++)
        {
            var options = new CompilationWithAnalyzersOptions(new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty), null, concurrentAnalysis: false, logAnalyzerExecutionTime: true);
            var result = Fresh(compilation).WithAnalyzers(analyzers, options).GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
            if (i > 0)
            {
                foreach (var (name, analyzer) in Floor.Analyzers)
                {
                    times[name].Add(result.AnalyzerTelemetryInfo[analyzer].ExecutionTime);
                }
            }
        }

        return times.ToDictionary(t => t.Key, t => Median(t.Value));
    }

    /// <param name="referenceSet">"Everything" (every data library) or "WebOnly" (ASP.NET Core, no data library).</param>
    public static CSharpCompilation Compile(IReadOnlyList<(string Path, string Text)> files, string referenceSet = "Everything")
    {
        var options = new CSharpParseOptions(LanguageVersion.Latest);
        var trees = files.Select(file => CSharpSyntaxTree.ParseText(file.Text, options, path: file.Path));

        // Binding on one thread, as the rules run (concurrentAnalysis: false): the share compares work with work.
        // Bound on every core, binding's wall time shrinks with the core count (1.8x on the 2-core CI machine) while
        // the rules' summed callback time does not, so the share said more about the machine than the rules; and
        // the compiler's threads then preempted the rules' callbacks, whose wall-clock telemetry swung twofold.
        return CSharpCompilation.Create(
            "Corpus",
            trees,
            References(referenceSet),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable, concurrentBuild: false));
    }

    /// <summary>
    /// The compilation with its files parsed again, as a build sees them. The rules keep what they read from a file's
    /// syntax with its tree (the IDE's next compilation shares every tree the user did not edit), so runs on clones
    /// that share the trees would pay those reads once, in the warm-up, and leave them out of every figure.
    /// </summary>
    public static CSharpCompilation Fresh(CSharpCompilation compilation)
        => compilation.RemoveAllSyntaxTrees().AddSyntaxTrees(compilation.SyntaxTrees.Select(
            tree => CSharpSyntaxTree.ParseText(tree.GetText(), (CSharpParseOptions)tree.Options, tree.FilePath)));

    public static Measurement Measure(CSharpCompilation compilation, int runs)
    {
        // JIT and caches of the libraries themselves: paid once per process, by nobody's build in particular.
        Run(compilation);

        var binding = new List<TimeSpan>();
        var perRule = Analyzers.ToDictionary(a => a.SupportedDiagnostics[0].Id, _ => new List<TimeSpan>());
        var findings = new Dictionary<string, int>();
        for (var i = 0; i < runs; i++)
        {
            var (bound, rules, diagnostics) = Run(compilation);
            binding.Add(bound);
            if (Environment.GetEnvironmentVariable("DBC_BENCH_VERBOSE") == "1")
            {
                Console.WriteLine("    run " + i + ": binding " + bound.TotalMilliseconds.ToString("F0") + " ms, " + string.Join(", ", rules.Select(r => r.Key + " " + r.Value.TotalMilliseconds.ToString("F1"))));
            }

            foreach (var (id, time) in rules)
            {
                perRule[id].Add(time);
            }

            findings = diagnostics;
        }

        return new Measurement(Median(binding), perRule.ToDictionary(p => p.Key, p => Median(p.Value)), findings);
    }

    private static (TimeSpan Binding, Dictionary<string, TimeSpan> Rules, Dictionary<string, int> Findings) Run(CSharpCompilation compilation)
        => Run(compilation, Analyzers);

    private static (TimeSpan Binding, Dictionary<string, TimeSpan> Rules, Dictionary<string, int> Findings) Run(CSharpCompilation compilation, ImmutableArray<DiagnosticAnalyzer> analyzers)
    {
        var fresh = Fresh(compilation);

        // Each run starts on a collected heap: a full collection of the previous runs' compilations would
        // otherwise pause whichever callback happens to allocate at that moment, a different rule each run.
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var stopwatch = Stopwatch.StartNew();
        var errors = fresh.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
        var binding = stopwatch.Elapsed;
        if (errors > 0)
        {
            throw new InvalidOperationException("The corpus does not compile: " + fresh.GetDiagnostics().First(d => d.Severity == DiagnosticSeverity.Error));
        }

        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, analyzer, _) => throw new InvalidOperationException(analyzer.GetType().Name + " threw", exception),
            concurrentAnalysis: false,
            logAnalyzerExecutionTime: true);
        var result = fresh.WithAnalyzers(analyzers, options).GetAnalysisResultAsync(CancellationToken.None).GetAwaiter().GetResult();
        var rules = analyzers.ToDictionary(a => a.SupportedDiagnostics[0].Id, a => result.AnalyzerTelemetryInfo[a].ExecutionTime);
        var findings = result.GetAllDiagnostics().GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
        return (binding, rules, findings);
    }

    /// <summary>
    /// One run as "shares" makes it, and each rule's telemetry for that run: for a sampling profiler to attribute, and
    /// figures to compare two builds by (run them in turns: this machine's speed drifts).
    /// </summary>
    public static string RunOnce(CSharpCompilation compilation)
        => string.Join(", ", Run(compilation).Rules.Select(rule => rule.Key + " " + rule.Value.TotalMilliseconds.ToString("F1", CultureInfo.InvariantCulture)));

    /// <summary>
    /// This build's rules against another build's (its analyzer assembly, loaded beside this one), run in turns on the
    /// same compilation: the machine's speed drifts by more than most changes save, and runs in turns drift together.
    /// </summary>
    public static string Compare(CSharpCompilation compilation, string otherAssembly, string? only, int runs)
    {
        var other = new AssemblyLoadContext("other build").LoadFromAssemblyPath(Path.GetFullPath(otherAssembly));
        var theirs = other.GetTypes()
            .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .Where(analyzer => only is null || analyzer.SupportedDiagnostics[0].Id == only)
            .ToImmutableArray();
        Run(compilation, Analyzers);
        Run(compilation, theirs);

        var ours = new Dictionary<string, List<double>>();
        var others = new Dictionary<string, List<double>>();
        var ourTotals = new List<double>();
        var otherTotals = new List<double>();
        var ratios = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            // Each pair in the other order from the last: neither build always runs on the heap the other left.
            var first = i % 2 == 0;
            var a = first ? Run(compilation, Analyzers).Rules : null;
            var b = Run(compilation, theirs).Rules;
            a ??= Run(compilation, Analyzers).Rules;
            foreach (var (id, time) in a)
            {
                (ours.TryGetValue(id, out var list) ? list : ours[id] = new List<double>()).Add(time.TotalMilliseconds);
            }

            foreach (var (id, time) in b)
            {
                (others.TryGetValue(id, out var list) ? list : others[id] = new List<double>()).Add(time.TotalMilliseconds);
            }

            ourTotals.Add(a.Values.Sum(t => t.TotalMilliseconds));
            otherTotals.Add(b.Values.Sum(t => t.TotalMilliseconds));
            ratios.Add(ourTotals[^1] / otherTotals[^1]);
        }

        var lines = new List<string> { $"  Rule     this (ms)   other (ms)   ({runs} runs each, in turns; medians)" };
        foreach (var id in ours.Keys.OrderBy(k => k, StringComparer.Ordinal))
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture, $"  {id}   {MedianOf(ours[id]),9:F1}   {MedianOf(others[id]),10:F1}"));
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture, $"  All      {MedianOf(ourTotals),9:F1}   {MedianOf(otherTotals),10:F1}   this/other, median of the pairs: {MedianOf(ratios):F3}"));
        return string.Join(Environment.NewLine, lines);
    }

    private static double MedianOf(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted[sorted.Count / 2];
    }

    private static TimeSpan Median(List<TimeSpan> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

    private static IEnumerable<MetadataReference> References(string set)
    {
        var file = Path.Combine(AppContext.BaseDirectory, "reference-sets", set + ".txt");
        return File.ReadAllLines(file).Where(line => line.Length > 0).Select(path => MetadataReference.CreateFromFile(path));
    }
}

internal sealed record Measurement(TimeSpan Binding, Dictionary<string, TimeSpan> Rules, Dictionary<string, int> Findings)
{
    public TimeSpan Total => TimeSpan.FromTicks(Rules.Values.Sum(t => t.Ticks));

    public double Share(TimeSpan time) => time.TotalMilliseconds / Binding.TotalMilliseconds;
}
