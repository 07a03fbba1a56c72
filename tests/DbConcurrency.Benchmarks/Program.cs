using System.Collections.Immutable;
using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Running;
using DbConcurrency.Benchmarks;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// shares [--quick] [--only DBCnnn]: the figures for the README and CI, in one process. bench: the same under BenchmarkDotNet.
if (args.Length > 0 && args[0] == "bench")
{
    BenchmarkRunner.Run<CompileBenchmarks>(args: args[1..]);
    return 0;
}

var only = Array.IndexOf(args, "--only") is var at and >= 0 && at + 1 < args.Length ? args[at + 1] : null;
if (only is not null)
{
    AnalyzerCost.Analyzers = AnalyzerCost.Analyzers.Where(a => a.SupportedDiagnostics[0].Id == only).ToImmutableArray();
}

// profile [--without-database] [N]: N runs as "shares" makes them, each run's telemetry printed: for a sampling profiler
// (dotnet-trace) to attribute, or to compare two builds.
if (args.Length > 0 && args[0] == "profile")
{
    var withDatabase = !args.Contains("--without-database");
    var times = args.Skip(1).Select(a => int.TryParse(a, out var n) && n < 1000 ? n : 0).FirstOrDefault(n => n > 0, 20);
    var compilation = AnalyzerCost.Compile(Corpus.Generate(200, withDatabase));

    // The references bound once, as in "shares", where each run's compilation shares them: their binding is the compiler's cost.
    _ = compilation.GetDiagnostics();
    for (var i = 0; i < times; i++)
    {
        Console.WriteLine(AnalyzerCost.RunOnce(compilation));
    }

    return 0;
}

// compare OTHER.dll [--only DBCnnn] [N]: this build's rules and another build's, N runs each in turns on corpus (a).
if (args.Length > 1 && args[0] == "compare")
{
    var times = args.Skip(2).Select(a => int.TryParse(a, out var n) && n < 1000 ? n : 0).FirstOrDefault(n => n > 0, 15);
    var compilation = AnalyzerCost.Compile(Corpus.Generate(200, withDatabase: true));
    _ = compilation.GetDiagnostics();
    Console.WriteLine(AnalyzerCost.Compare(compilation, args[1], only, times));
    return 0;
}

var quick = args.Contains("--quick");
var modules = quick ? 60 : 200;
// Medians of seven: a collection of the compiler's garbage pauses whichever callback allocates at that moment,
// one or two runs in seven, and the median leaves those out.
var runs = quick ? 5 : 7;

// The targets: all rules together at most 2 % of binding with database code, next to nothing without.
// CI fails only far beyond them (5x), so a noisy machine does not fail a build.
const double DatabaseTarget = 0.02;
const double NoDatabaseTarget = 0.005;
const double Margin = 5;

// (a) data access at realistic density; (b) the same size of code in a project with no data library at
// all; (b') the same code where the data libraries are referenced but this code uses none of them; (a0) corpus (a)
// without the bug code of every fifth module: what the rules cost on correct database code, and by difference
// from (a), what its findings cost.
var corpora = new (string Name, bool WithDatabase, bool WithBugs, string References, double Target)[]
{
    ("with database code", true, true, "Everything", DatabaseTarget),
    ("without database types (no data library referenced)", false, false, "WebOnly", NoDatabaseTarget),
    ("without database code (data libraries referenced, unused)", false, false, "Everything", NoDatabaseTarget),
    ("with database code and no bugs ((a) without its bug code)", true, false, "Everything", DatabaseTarget),
};

// --corpus a|b|b'|a0: one of them, for measuring a change quickly.
var chosen = Array.IndexOf(args, "--corpus") is var c and >= 0 && c + 1 < args.Length ? args[c + 1] : null;
var labels = new[] { "a", "b", "b'", "a0" };

var failed = false;
(double Milliseconds, int Findings, int Lines)? withFindings = null;
foreach (var (index, (name, withDatabase, withBugs, references, target)) in corpora.Index())
{
    if (chosen is not null && chosen != labels[index])
    {
        continue;
    }

    var files = Corpus.Generate(modules, withDatabase, withBugs);
    var compilation = AnalyzerCost.Compile(files, references);
    var measurement = AnalyzerCost.Measure(compilation, runs);
    Console.WriteLine($"Corpus ({labels[index]}) {name}: {files.Count} files, {Corpus.Lines(files):N0} lines; binding {measurement.Binding.TotalMilliseconds:F0} ms (median of {runs})");
    Console.WriteLine("  Rule     Time (ms)   Share of binding   Findings");
    foreach (var (id, time) in measurement.Rules.OrderBy(r => r.Key, StringComparer.Ordinal))
    {
        measurement.Findings.TryGetValue(id, out var count);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {id}   {time.TotalMilliseconds,9:F1}   {measurement.Share(time),15:P2}   {count,8}"));
    }

    foreach (var (callback, time) in AnalyzerCost.MeasureFloor(compilation, runs))
    {
        var what = callback.StartsWith("report", StringComparison.Ordinal)
            ? "not paid by the rules: the driver's generated-code check of each file with findings, for an analyzer that leaves it to the driver"
            : $"an empty {callback} callback";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ({what}: {time.TotalMilliseconds:F1} ms, {measurement.Share(time):P2})"));
    }

    var share = measurement.Share(measurement.Total);
    var verdict = share <= target ? "met" : share <= target * Margin ? "not met" : "FAILS";
    var bound = string.Create(CultureInfo.InvariantCulture, $"fails above {target * Margin:P1}");
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  All      {measurement.Total.TotalMilliseconds,9:F1}   {share,15:P2}   target {target:P1} ({verdict}), {bound}"));
    if (share > target * Margin)
    {
        Console.Error.WriteLine($"Analyzer cost {share:P2} of binding {name} is more than {Margin}x the target {target:P1}.");
        failed = true;
    }

    var lines = Corpus.Lines(files);
    var findings = measurement.Findings.Values.Sum();
    if (withBugs)
    {
        withFindings = (measurement.Total.TotalMilliseconds, findings, lines);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  Findings: {findings}, one per {lines / Math.Max(findings, 1)} lines"));
    }
    else if (withDatabase && withFindings is { } full && full.Findings > findings)
    {
        // The bug code is under a tenth of (a)'s lines: most of the difference is what finding and reporting its bugs costs.
        var perFinding = (full.Milliseconds - measurement.Total.TotalMilliseconds) / (full.Findings - findings) * 1000;
        Console.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"  (a) less (a0): {full.Milliseconds - measurement.Total.TotalMilliseconds:F1} ms for its {full.Lines - lines:N0} lines of bug code and {full.Findings - findings} findings, {perFinding:F0} µs a finding"));
    }

    if (withDatabase && withBugs && measurement.Findings.Count < AnalyzerCost.Analyzers.Length)
    {
        Console.Error.WriteLine("The database corpus no longer puts every rule to work: " + string.Join(", ", measurement.Findings.Keys));
        failed = true;
    }
}

return failed ? 1 : 0;

/// <summary>BenchmarkDotNet's view of the same two costs, on the database corpus.</summary>
[MemoryDiagnoser]
public class CompileBenchmarks
{
    private CSharpCompilation _compilation = null!;

    [GlobalSetup]
    public void Setup() => _compilation = AnalyzerCost.Compile(Corpus.Generate(60, withDatabase: true));

    [Benchmark(Baseline = true)]
    public int Binding() => _compilation.Clone().GetDiagnostics().Length;

    [Benchmark]
    public int BindingAndAnalyzers()
        => _compilation.Clone().WithAnalyzers(AnalyzerCost.Analyzers).GetAllDiagnosticsAsync().GetAwaiter().GetResult().Length;
}
