using System.Text.Json;
using System.Text.RegularExpressions;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>`dbconcurrency scan` run as a user runs it, over the sample app: text, GitHub annotations, SARIF, fixes, failures.</summary>
public sealed class ScanToolTests : IDisposable
{
    private static readonly string[] Rules = typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToArray();

    private readonly string _work = Directory.CreateTempSubdirectory("dbc-scan-").FullName;

    private static string Tool => Dotnet.BuiltTool("src", "DbConcurrency.Cli", "net8.0");

    [Fact]
    public async Task Scan_of_the_sample_prints_each_rule_with_location_message_and_help_link_and_exits_1()
    {
        var (exitCode, output) = await Dotnet.RunAsync(RepositoryRoot.Path, Tool, "scan", Path.Combine("samples", "TodoApi"));
        Assert.True(exitCode == 1, output);
        foreach (var rule in Rules)
        {
            Assert.Contains($"docs/rules/{rule}.md", output, StringComparison.Ordinal);
        }

        Assert.Contains("samples/TodoApi/TodoStore.cs(11,46): 'Connection' (SqliteConnection) is a static field", output, StringComparison.Ordinal);
        Assert.Contains("8 finding(s).", output, StringComparison.Ordinal);
        Assert.Contains("[1/", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GitHub_format_writes_one_annotation_per_finding()
    {
        var (exitCode, output) = await Dotnet.RunAsync(RepositoryRoot.Path, Tool, "scan", RepositoryRoot.Combine("samples", "TodoApi", "TodoApi.csproj"), "--format", "github");
        Assert.True(exitCode == 1, output);
        var annotations = Regex.Matches(output, @"^::warning file=([^,]+),line=\d+,col=\d+,title=(DBC\d{3})::", RegexOptions.Multiline);
        Assert.Equal(8, annotations.Count);
        Assert.Equal(Rules, annotations.Select(m => m.Groups[2].Value).Distinct().Order(StringComparer.Ordinal));

        // The message is data: only newlines and percent signs are escaped, so commas read as commas.
        Assert.Contains("title=DBC001::'Connection' (SqliteConnection) is a static field, so every thread", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sarif_format_writes_a_SARIF_2_1_log_with_rules_and_results()
    {
        var log = Path.Combine(_work, "scan.sarif");
        var (exitCode, output) = await Dotnet.RunAsync(RepositoryRoot.Path, Tool, "scan", Path.Combine("samples", "TodoApi"), "--format", "sarif", "--output", log);
        Assert.True(exitCode == 1, output);

        using var document = JsonDocument.Parse(await File.ReadAllTextAsync(log));
        var root = document.RootElement;
        Assert.Equal("2.1.0", root.GetProperty("version").GetString());
        var run = root.GetProperty("runs")[0];
        Assert.Equal(Rules, run.GetProperty("tool").GetProperty("driver").GetProperty("rules").EnumerateArray().Select(r => r.GetProperty("id").GetString()!).Order(StringComparer.Ordinal));
        var results = run.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(8, results.Count);
        Assert.All(results, r => Assert.StartsWith("file://", r.GetProperty("locations")[0].GetProperty("physicalLocation").GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Fix_applies_every_rule_fix_to_a_copy_of_the_sample_which_then_scans_clean_and_builds()
    {
        var project = SampleCopy.Create(_work);
        var restore = await Dotnet.RunAsync(_work, "restore", project);
        Assert.True(restore.ExitCode == 0, restore.Output);

        var (exitCode, output) = await Dotnet.RunAsync(_work, Tool, "scan", project, "--fix");
        Assert.True(exitCode == 0, output);
        Assert.Contains("No findings.", output, StringComparison.Ordinal);
        // Eight findings, seven bugs: DBC002's parameter and registration are one, and one fix mends both.
        Assert.Equal(7, Regex.Matches(output, @"^Fixed DBC\d{3} at ", RegexOptions.Multiline).Count);

        var build = await Dotnet.RunAsync(_work, "build", project, "--no-incremental");
        Assert.True(build.ExitCode == 0, build.Output);
        Assert.DoesNotContain("warning DBC", build.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("does-not-exist", "does not exist")]
    [InlineData("README.md", "is not a solution")]
    [InlineData("docs", "holds no solution or C# project")]
    public async Task Inputs_that_cannot_be_loaded_exit_2_with_a_clear_message(string path, string message)
    {
        var (exitCode, output) = await Dotnet.RunAsync(RepositoryRoot.Path, Tool, "scan", path);
        Assert.True(exitCode == 2, output);
        Assert.Contains(message, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Wrong_arguments_exit_2_with_the_usage()
    {
        var (exitCode, output) = await Dotnet.RunAsync(RepositoryRoot.Path, Tool, "scan", "samples/TodoApi", "--format", "xml");
        Assert.True(exitCode == 2, output);
        Assert.Contains("Usage: dbconcurrency scan", output, StringComparison.Ordinal);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_work, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is not a test failure.
        }
    }
}
