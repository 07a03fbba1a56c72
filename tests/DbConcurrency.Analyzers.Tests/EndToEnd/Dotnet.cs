using System.Diagnostics;
using System.Text;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>Runs the dotnet CLI the way a user's shell would, for the end-to-end tests.</summary>
internal static class Dotnet
{
    /// <summary>A program the solution builds beside the tests, in the tests' own configuration: <c>folder/Project/bin/cfg/tfm/Project.dll</c>.</summary>
    public static string BuiltTool(string folder, string project, string targetFramework)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var tool = RepositoryRoot.Combine(folder, project, "bin", configuration, targetFramework, project + ".dll");
        Assert.True(File.Exists(tool), "built with the tests: " + tool);
        return tool;
    }

    public static async Task<(int ExitCode, string Output)> RunAsync(string workingDirectory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild settings must not leak into the child build.
        start.Environment.Remove("MSBuildSDKsPath");
        start.Environment.Remove("MSBuildExtensionsPath");
        start.Environment.Remove("MSBUILD_EXE_PATH");
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        using var process = Process.Start(start)!;
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString());
    }
}
