using System.Globalization;
using Xunit.Abstractions;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>
/// The sample's bugs reproduced: the evidence program drives the broken app and its fixed twin (the code fixes'
/// output, pinned by SampleFixTests) with 16 workers and 400 operations per rule against real SQLite files and a
/// real PostgreSQL server, and counts failures: exceptions, wrong rows, lost updates.
/// </summary>
[Collection(nameof(RuntimeEvidenceTests))]
public sealed class RuntimeEvidenceTests(ITestOutputHelper output)
{
    private static readonly string[] Rules = typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Every_rule_fails_in_the_broken_app_and_never_in_the_fixed_twin()
    {
        var program = Dotnet.BuiltTool("samples", "TodoApi.Evidence", "net10.0");

        var arguments = new List<string> { program, "--format", "tsv" };
        if (Environment.GetEnvironmentVariable("DBC_POSTGRES") is not { Length: > 0 } && await StartPostgresAsync() is { } started)
        {
            arguments.AddRange(["--postgres", started]);
        }

        var (exitCode, text) = await Dotnet.RunAsync(RepositoryRoot.Path, [.. arguments]);
        output.WriteLine(text);
        var rows = text.Split('\n')
            .Select(line => line.TrimEnd('\r').Split('\t'))
            .Where(fields => fields.Length == 8 && fields[0].StartsWith("DBC", StringComparison.Ordinal))
            .ToDictionary(fields => fields[0]);
        Assert.Equal(Rules, rows.Keys.Order(StringComparer.Ordinal));

        var skipped = rows.Values.Where(fields => fields[5] != "-").ToList();
        if (skipped.Count > 0)
        {
            // Only a machine without a PostgreSQL server may skip, and never CI: .ci/run starts one.
            Assert.False(IsCi, "CI must run every scenario: " + string.Join("; ", skipped.Select(fields => fields[0] + ": " + fields[5])));
            output.WriteLine("SKIPPED outside CI, no PostgreSQL server could be started: " + skipped[0][5]);
            return;
        }

        foreach (var rule in Rules)
        {
            var fields = rows[rule];
            var operations = int.Parse(fields[2], CultureInfo.InvariantCulture);
            var broken = int.Parse(fields[3], CultureInfo.InvariantCulture);
            var @fixed = int.Parse(fields[4], CultureInfo.InvariantCulture);
            Assert.True(operations >= 400, $"{rule}: {operations} operations");
            Assert.True(broken > 0, $"{rule}: the broken app did not fail in {operations} operations");
            Assert.True(@fixed == 0, $"{rule}: the fixed twin failed {@fixed} times, first: {fields[7]}");
        }

        Assert.Equal(0, exitCode);
    }

    /// <summary>The README's script: installs and starts a loopback server where it can, and prints its connection string.</summary>
    private static async Task<string?> StartPostgresAsync()
    {
        var start = new System.Diagnostics.ProcessStartInfo("bash", [RepositoryRoot.Combine("scripts", "start-postgres.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return process.ExitCode == 0 && lines.Length > 0 ? lines[^1].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static bool IsCi => Environment.GetEnvironmentVariable("CI") is { Length: > 0 } value && !value.Equals("false", StringComparison.OrdinalIgnoreCase);
}

/// <summary>The evidence measures concurrency: it runs alone, not beside other test classes competing for the two cores.</summary>
[CollectionDefinition(nameof(RuntimeEvidenceTests), DisableParallelization = true)]
public sealed class RuntimeEvidenceCollection;
