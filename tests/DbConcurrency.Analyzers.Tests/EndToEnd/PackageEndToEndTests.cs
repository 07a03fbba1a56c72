using System.Diagnostics;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;

namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>
/// The path a user takes: pack the package, add it to a project from a folder feed, build. The
/// warning must show in the build output and in a SARIF 2.1 log. Packs with its own build output
/// folder and a unique version, and restores into its own packages folder, so it neither disturbs
/// the checkout's build nor sees a stale package.
/// </summary>
public sealed class PackageEndToEndTests : IClassFixture<PackageEndToEndTests.PackedPackage>
{
    private readonly PackedPackage _package;

    public PackageEndToEndTests(PackedPackage package) => _package = package;

    [Fact]
    public void Package_holds_both_assemblies_under_analyzers_and_nothing_under_lib()
    {
        using var archive = ZipFile.OpenRead(_package.Path);
        var entries = archive.Entries.Select(e => e.FullName).ToList();
        Assert.Contains("analyzers/dotnet/cs/DbConcurrency.Analyzers.dll", entries);
        Assert.Contains("analyzers/dotnet/cs/DbConcurrency.CodeFixes.dll", entries);
        Assert.Contains("README.md", entries);
        Assert.Contains("RELEASE-NOTES.md", entries);
        Assert.Contains("buildTransitive/DbConcurrency.Analyzers.targets", entries);
        Assert.Contains("buildTransitive/DbConcurrency.strict.globalconfig", entries);
        Assert.Contains("buildTransitive/DbConcurrency.suggestions.globalconfig", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("lib/", StringComparison.Ordinal));

        var nuspecEntry = archive.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
        using var stream = nuspecEntry.Open();
        var metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string Value(string name) => metadata.Elements().Single(e => e.Name.LocalName == name).Value;
        Assert.Equal("DbConcurrency.Analyzers", Value("id"));
        Assert.Equal("true", Value("developmentDependency"));
        Assert.Equal("README.md", Value("readme"));
        Assert.Contains("analyzer", Value("tags"), StringComparison.Ordinal);
        Assert.Contains("There is already an open DataReader", Value("description"), StringComparison.Ordinal);
        Assert.DoesNotContain(metadata.Elements(), e => e.Name.LocalName == "dependencies" && e.HasElements);
    }

    [Fact]
    public async Task Consumer_build_reports_DBC001_in_output_and_in_SARIF()
    {
        var consumer = await CreateConsumerAsync("consumer");
        var sarif = System.IO.Path.Combine(consumer, "build.sarif");
        var build = await Dotnet.RunAsync(consumer, "build", "Consumer.csproj", "-nologo", "-p:ErrorLog=" + sarif + "%2Cversion=2.1");

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains("warning DBC001: 'Connection' (DbConnection) is a static field", build.Output, StringComparison.Ordinal);

        using var log = JsonDocument.Parse(await File.ReadAllTextAsync(sarif));
        Assert.Equal("2.1.0", log.RootElement.GetProperty("version").GetString());
        var results = log.RootElement.GetProperty("runs")[0].GetProperty("results").EnumerateArray().ToList();
        var result = Assert.Single(results, r => r.GetProperty("ruleId").GetString() == "DBC001");
        Assert.Equal("warning", result.GetProperty("level").GetString());
        var location = result.GetProperty("locations")[0].GetProperty("physicalLocation");
        Assert.EndsWith("Store.cs", location.GetProperty("artifactLocation").GetProperty("uri").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, location.GetProperty("region").GetProperty("startLine").GetInt32());
    }

    [Theory]
    [InlineData("strict", "error DBC001", false)]
    [InlineData("suggestions", null, true)]
    [InlineData("anything-else", "warning DBC001", true)]
    public async Task DbConcurrencyAnalysisLevel_presets_set_every_rules_severity(string level, string? expected, bool succeeds)
    {
        var consumer = await CreateConsumerAsync("level-" + level);
        var build = await Dotnet.RunAsync(consumer, "build", "Consumer.csproj", "-nologo", "-p:DbConcurrencyAnalysisLevel=" + level);

        Assert.True((build.ExitCode == 0) == succeeds, build.Output);
        if (expected is null)
        {
            Assert.DoesNotContain(": warning DBC", build.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(": error DBC", build.Output, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(": " + expected + ":", build.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_users_own_severity_wins_over_the_preset()
    {
        var consumer = await CreateConsumerAsync("level-override");
        await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, ".editorconfig"), "root = true\n\n[*.cs]\ndotnet_diagnostic.DBC001.severity = warning\n");
        var build = await Dotnet.RunAsync(consumer, "build", "Consumer.csproj", "-nologo", "-p:DbConcurrencyAnalysisLevel=strict");

        Assert.True(build.ExitCode == 0, build.Output);
        Assert.Contains(": warning DBC001:", build.Output, StringComparison.Ordinal);
    }

    /// <summary>A project of its own with one static connection (DBC001), taking the analyzers from the packed package.</summary>
    private async Task<string> CreateConsumerAsync(string name)
    {
        var consumer = Path.Combine(_package.WorkDirectory, name);
        Directory.CreateDirectory(consumer);
        await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
                <RestorePackagesPath>{System.IO.Path.Combine(_package.WorkDirectory, "packages")}</RestorePackagesPath>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="DbConcurrency.Analyzers" Version="{_package.Version}" PrivateAssets="all" />
              </ItemGroup>
            </Project>
            """);
        await _package.IsolateAsync(consumer);
        await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, "Store.cs"), """
            using System.Data.Common;

            public static class Store
            {
                public static DbConnection? Connection;
            }
            """);

        return consumer;
    }

    /// <summary>Packs once for the class; deleted afterwards.</summary>
    public sealed class PackedPackage : IAsyncLifetime
    {
        public string WorkDirectory { get; } = Directory.CreateTempSubdirectory("dbc-e2e-").FullName;

        public string Version { get; } = "0.0.0-e2e." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff", System.Globalization.CultureInfo.InvariantCulture);

        public string Feed => System.IO.Path.Combine(WorkDirectory, "feed");

        public string Path { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var pack = await Dotnet.RunAsync(
                RepositoryRoot.Path,
                "pack",
                RepositoryRoot.Combine("nuget", "DbConcurrency.Analyzers.Package.csproj"),
                "-nologo",
                "-c", "Release",
                "-o", Feed,
                "--artifacts-path", System.IO.Path.Combine(WorkDirectory, "build"),
                "-p:Version=" + Version);
            Assert.True(pack.ExitCode == 0, pack.Output);
            Path = System.IO.Path.Combine(Feed, $"DbConcurrency.Analyzers.{Version}.nupkg");
            Assert.True(File.Exists(Path), "no package at " + Path + Environment.NewLine + pack.Output);
        }

        /// <summary>Keeps <paramref name="consumer"/> out of the repository's build settings and restores this package from the feed.</summary>
        public async Task IsolateAsync(string consumer)
        {
            await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, "Directory.Build.props"), "<Project />");
            await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, "Directory.Packages.props"), "<Project />");
            await File.WriteAllTextAsync(System.IO.Path.Combine(consumer, "NuGet.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <add key="e2e-local" value="{Feed}" />
                  </packageSources>
                </configuration>
                """);
        }

        public Task DisposeAsync()
        {
            try
            {
                Directory.Delete(WorkDirectory, recursive: true);
            }
            catch (IOException)
            {
                // A leftover temp folder is not a test failure.
            }

            return Task.CompletedTask;
        }
    }
}
