using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>
/// The editor's path: the broken sample, referencing the packed package, opened with the MSBuild workspace
/// (<c>tests/DbConcurrency.IdeHost</c>, which references no analyzer project). The analyzers and fixes come from the
/// analyzer references MSBuild resolved from the restored package; the squiggles the editor would ask for, document
/// by document, are exactly the warnings the command-line build prints; each has its light-bulb actions; one
/// applied leaves a document without the finding and a project without errors.
/// </summary>
public sealed class IdePathTests : IClassFixture<PackageEndToEndTests.PackedPackage>
{
    private static readonly string[] Rules = ["DBC001", "DBC002", "DBC003", "DBC004", "DBC005", "DBC006", "DBC007"];

    private readonly PackageEndToEndTests.PackedPackage _package;

    public IdePathTests(PackageEndToEndTests.PackedPackage package) => _package = package;

    private static string Host => Dotnet.BuiltTool("tests", "DbConcurrency.IdeHost", "net10.0");

    [Fact]
    public async Task Editor_sees_the_builds_warnings_as_squiggles_offers_light_bulbs_and_applies_a_fix()
    {
        var consumer = await CreateConsumerAsync("ide-consumer", "net10.0");

        var build = await Dotnet.RunAsync(consumer, "build", "TodoApi.csproj", "-nologo");
        Assert.True(build.ExitCode == 0, build.Output);
        var built = Warnings(build.Output);

        var (exitCode, output) = await Dotnet.RunAsync(consumer, Host, Path.Combine(consumer, "TodoApi.csproj"), "TodoStore.cs", "DBC001");
        Assert.True(exitCode == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('\t')).ToList();

        // The analyzers are the package's, as restored: both assemblies, from the package folder of this version.
        var loaded = lines.Where(l => l[0] == "analyzers").Select(l => l[1].Replace('\\', '/')).ToList();
        Assert.Equal(2, loaded.Count);
        Assert.All(loaded, path => Assert.Contains($"/dbconcurrency.analyzers/{_package.Version}/analyzers/dotnet/cs/", path, StringComparison.Ordinal));

        // Squiggles where the build puts its warnings, no more and no fewer.
        var squiggles = lines.Where(l => l[0] == "diagnostic").Select(l => $"{l[1]} {l[2]} {l[3]} {l[4]}").ToHashSet();
        Assert.Equal(built.Order(StringComparer.Ordinal), squiggles.Order(StringComparer.Ordinal));

        // A light bulb at every squiggle: every rule's finding in the sample has at least one fix to offer.
        var offered = lines.Where(l => l[0] == "action").ToList();
        foreach (var squiggle in lines.Where(l => l[0] == "diagnostic"))
        {
            Assert.Contains(offered, a => a[1] == squiggle[1] && a[2] == squiggle[2] && a[3] == squiggle[4] && a[4].StartsWith(squiggle[4] + ".", StringComparison.Ordinal));
        }

        // Applied: the static connection becomes a factory; the document no longer reports DBC001; nothing broke.
        Assert.Contains(lines, l => l[0] == "applied" && l[1].Contains("per use", StringComparison.Ordinal));
        Assert.DoesNotContain(lines, l => l[0] == "after" && l[4] == "DBC001");
        Assert.Contains(lines, l => l[0] == "errors" && l[1] == "0");
    }

    /// <summary>
    /// The .NET 8 SDK's compiler, Roslyn 4.8, the oldest the package claims: the packaged analyzer assembly loads into a
    /// process with that Roslyn and nothing else (no Workspaces) and finds in the sample, built for .NET 8, what the
    /// current SDK's build finds. The registry holds no 4.8 compiler toolset to build the project with, so
    /// <c>tests/DbConcurrency.OldestRoslynHost</c> makes the compilation through 4.8's own API from the project's
    /// references.
    /// </summary>
    [Fact]
    public async Task Packaged_analyzers_run_on_Roslyn_4_8_and_find_what_the_build_finds()
    {
        var consumer = await CreateConsumerAsync("oldest-consumer", "net8.0");
        var build = await Dotnet.RunAsync(consumer, "build", "TodoApi.csproj", "-nologo");
        Assert.True(build.ExitCode == 0, build.Output);
        var built = Warnings(build.Output);

        var references = await Dotnet.RunAsync(consumer, "msbuild", "TodoApi.csproj", "-nologo", "-t:FindReferenceAssembliesForReferences", "-getItem:ReferencePathWithRefAssemblies");
        Assert.True(references.ExitCode == 0, references.Output);
        var paths = Regex.Matches(references.Output, "\"Identity\": \"(?<path>[^\"]+)\"").Select(m => Regex.Unescape(m.Groups["path"].Value)).ToList();
        Assert.True(paths.Count > 100, references.Output);
        var referencesFile = Path.Combine(consumer, "references.txt");
        await File.WriteAllLinesAsync(referencesFile, paths);

        var analyzer = Path.Combine(_package.WorkDirectory, "packages", "dbconcurrency.analyzers", _package.Version, "analyzers", "dotnet", "cs", "DbConcurrency.Analyzers.dll");
        var sources = Directory.GetFiles(consumer, "*.cs").Concat(Directory.GetFiles(Path.Combine(consumer, "obj"), "*.GlobalUsings.g.cs", SearchOption.AllDirectories));
        var (exitCode, output) = await Dotnet.RunAsync(consumer, [OldestRoslynHost, analyzer, referencesFile, .. sources]);
        Assert.True(exitCode == 0, output);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(l => l.Split('\t')).ToList();
        Assert.Contains(lines, l => l[0] == "roslyn" && l[1] == "4.8.0.0");
        var found = lines.Where(l => l[0] == "diagnostic").Select(l => $"{l[1]} {l[2]} {l[3]} {l[4]}").ToHashSet();
        Assert.Equal(built.Order(StringComparer.Ordinal), found.Order(StringComparer.Ordinal));
    }

    private static string OldestRoslynHost => Dotnet.BuiltTool("tests", "DbConcurrency.OldestRoslynHost", "net10.0");

    /// <summary>"TodoStore.cs 11 46 DBC001" for each DBC warning in a build's output.</summary>
    private static HashSet<string> Warnings(string buildOutput)
    {
        var warnings = Regex.Matches(buildOutput, @"[/\\](?<file>\w+\.cs)\((?<line>\d+),(?<column>\d+)\): warning (?<id>DBC\d{3})")
            .Select(m => $"{m.Groups["file"].Value} {m.Groups["line"].Value} {m.Groups["column"].Value} {m.Groups["id"].Value}")
            .ToHashSet();
        Assert.Equal(Rules, warnings.Select(w => w.Split(' ')[3]).Distinct().Order(StringComparer.Ordinal));
        return warnings;
    }

    /// <summary>The broken sample's sources in a project of their own that takes the analyzers from the packed package.</summary>
    private async Task<string> CreateConsumerAsync(string name, string targetFramework)
    {
        var consumer = Path.Combine(_package.WorkDirectory, name);
        Directory.CreateDirectory(consumer);
        foreach (var source in Directory.GetFiles(RepositoryRoot.Combine("samples", "TodoApi"), "*.cs"))
        {
            File.Copy(source, Path.Combine(consumer, Path.GetFileName(source)));
        }

        var versions = XDocument.Load(RepositoryRoot.Combine("Directory.Packages.props")).Descendants()
            .Where(e => e.Name.LocalName == "PackageVersion")
            .ToDictionary(e => (string)e.Attribute("Include")!, e => (string)e.Attribute("Version")!);
        await File.WriteAllTextAsync(Path.Combine(consumer, "TodoApi.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk.Web">
              <PropertyGroup>
                <TargetFramework>{targetFramework}</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <RootNamespace>TodoApi</RootNamespace>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <RestorePackagesPath>{Path.Combine(_package.WorkDirectory, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="DbConcurrency.Analyzers" Version="{_package.Version}" PrivateAssets="all" />
                <PackageReference Include="Dapper" Version="{versions["Dapper"]}" />
                <PackageReference Include="Microsoft.Data.Sqlite" Version="{versions["Microsoft.Data.Sqlite"]}" />
                <PackageReference Include="Npgsql" Version="{versions["Npgsql"]}" />
              </ItemGroup>
            </Project>
            """);
        await _package.IsolateAsync(consumer);
        return consumer;
    }
}
