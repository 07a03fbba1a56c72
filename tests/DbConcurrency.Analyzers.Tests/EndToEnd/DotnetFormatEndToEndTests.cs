using System.Text.RegularExpressions;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>
/// The bulk path a user takes: `dotnet format analyzers` applies every rule's fix across the broken sample
/// (Fix All, as the tool does it), the app then builds with no DBC warning, and `--verify-no-changes`, the CI
/// gate, fails before and passes after. Works on a copy, so the checkout's sample keeps its bugs.
/// </summary>
public sealed class DotnetFormatEndToEndTests : IDisposable
{
    private static readonly string[] Rules = typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToArray();

    private readonly string _root = Directory.CreateTempSubdirectory("dbc-format-").FullName;

    [Fact]
    public async Task Dotnet_format_fixes_every_finding_in_the_sample_and_the_result_builds_clean()
    {
        var project = SampleCopy.Create(_root);
        var before = await Dotnet.RunAsync(_root, "build", project, "--no-incremental");
        Assert.True(before.ExitCode == 0, before.Output);
        var warningsBefore = DistinctWarnings(before.Output);
        Assert.Equal(Rules, warningsBefore.Select(w => w.Rule).Distinct().Order(StringComparer.Ordinal));

        var format = new[] { "format", "analyzers", project, "--diagnostics" }.Concat(Rules).Concat(new[] { "--severity", "warn" }).ToArray();
        var gateBefore = await Dotnet.RunAsync(_root, format.Append("--verify-no-changes").ToArray());
        Assert.True(gateBefore.ExitCode != 0, "--verify-no-changes passed on the broken sample:\n" + gateBefore.Output);

        var fixedRun = await Dotnet.RunAsync(_root, format);
        Assert.True(fixedRun.ExitCode == 0, fixedRun.Output);

        var after = await Dotnet.RunAsync(_root, "build", project, "--no-incremental");
        Assert.True(after.ExitCode == 0, after.Output);
        Assert.Empty(DistinctWarnings(after.Output));

        var gateAfter = await Dotnet.RunAsync(_root, format.Append("--verify-no-changes").ToArray());
        Assert.True(gateAfter.ExitCode == 0, "--verify-no-changes still finds changes after the fixes:\n" + gateAfter.Output);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not a test failure.
        }
    }

    private static List<(string File, string Rule)> DistinctWarnings(string output)
        => Regex.Matches(output, @"([A-Za-z]+\.cs)\(\d+,\d+\): warning (DBC\d{3})")
            .Select(m => (m.Groups[1].Value, m.Groups[2].Value))
            .Distinct()
            .ToList();
}
