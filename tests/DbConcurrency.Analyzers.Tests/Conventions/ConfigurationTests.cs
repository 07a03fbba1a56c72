using System.Collections.Immutable;
using System.Diagnostics.CodeAnalysis;
using DbConcurrency.Analyzers.Knowledge;
using DbConcurrency.Analyzers.Tests.Robustness;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Conventions;

/// <summary>
/// What each rule says it reads (<see cref="AnalyzerSettings.KeysReadBy"/>) is what the README and the rule pages
/// say, and what the rules do: set a key and the rules that read it change, the others do not; set it badly and
/// nothing changes and nothing throws.
/// </summary>
public class ConfigurationTests
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ShippedAnalyzers.Create();

    private static readonly ImmutableArray<string> Ids = Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Order(StringComparer.Ordinal).ToImmutableArray();

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in Ids)
        {
            data.Add(id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void README_configurable_column_names_the_keys_the_rule_reads(string id)
    {
        var row = Assert.Single(File.ReadAllLines(RepositoryRoot.Combine("README.md")), line => line.StartsWith($"| [{id}](docs/rules/{id}.md) |", StringComparison.Ordinal));
        var cell = row.Split('|', StringSplitOptions.TrimEntries).Where(c => c.Length > 0).Last();
        Assert.Equal(Label(AnalyzerSettings.KeysReadBy(id)), cell);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Rule_page_lists_and_shows_every_key_the_rule_reads(string id)
    {
        var page = File.ReadAllLines(RepositoryRoot.Combine("docs", "rules", id + ".md"));
        var keys = AnalyzerSettings.KeysReadBy(id);
        var row = Assert.Single(page, line => line.StartsWith("| Configurable |", StringComparison.Ordinal));
        Assert.Equal(keys.IsEmpty ? "| Configurable | severity only |" : "| Configurable | " + string.Join(", ", keys.Select(k => "`" + k + "`")) + " |", row);

        var configuration = string.Join("\n", page.SkipWhile(l => l != "## Configuration").Skip(1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)));
        Assert.Contains($"dotnet_diagnostic.{id}.severity", configuration, StringComparison.Ordinal);
        foreach (var key in keys)
        {
            Assert.Contains(key + " =", configuration, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("strict", "error")]
    [InlineData("suggestions", "suggestion")]
    public void Each_DbConcurrencyAnalysisLevel_preset_sets_every_rule(string level, string severity)
    {
        var preset = File.ReadAllLines(RepositoryRoot.Combine("nuget", "buildTransitive", $"DbConcurrency.{level}.globalconfig"));
        Assert.Contains("is_global = true", preset);
        var set = preset.Where(l => l.StartsWith("dotnet_diagnostic.", StringComparison.Ordinal)).ToList();
        Assert.Equal(Ids.Select(id => $"dotnet_diagnostic.{id}.severity = {severity}"), set);
    }

    [Fact]
    public async Task Listing_every_database_type_as_safe_changes_exactly_the_rules_that_read_safe_types()
    {
        var baseline = await CountAsync(options: new());
        var everythingSafe = string.Join(", ", DatabaseTypeNames.Unsafe.Select(t => t.MetadataName));
        var configured = await CountAsync(new() { [AnalyzerSettings.SafeTypesKey] = everythingSafe });

        foreach (var id in Ids)
        {
            var before = baseline.GetValueOrDefault(id);
            var after = configured.GetValueOrDefault(id);
            Assert.True(before > 0, id + " has no finding in the kitchen sink to change");
            if (AnalyzerSettings.KeysReadBy(id).Contains(AnalyzerSettings.SafeTypesKey))
            {
                // DBC007 keeps its Dapper findings: a lost update is one whatever the connection's thread-safety.
                Assert.True(after < before, $"{id} reads safe types but kept its {before} findings with every database type safe");
            }
            else
            {
                Assert.True(after == before, $"{id} does not read safe types but went from {before} to {after} findings");
            }
        }
    }

    [Fact]
    public async Task A_users_own_wrapper_listed_as_unsafe_is_reported_by_the_rules_that_read_unsafe_types()
    {
        const string Wrapper = """
            namespace Shop.Data
            {
                public sealed class UnitOfWork { public void Commit() { } }

                public static class Holder
                {
                    public static readonly UnitOfWork Shared = new();
                }
            }
            """;
        var without = await CountAsync(new(), Wrapper);
        var with = await CountAsync(new() { [AnalyzerSettings.UnsafeTypesKey] = "T:Shop.Data.UnitOfWork" }, Wrapper);
        Assert.Equal(without[DiagnosticIds.StaticDatabaseObject] + 1, with[DiagnosticIds.StaticDatabaseObject]);
    }

    [Theory]
    [InlineData(AnalyzerSettings.SafeTypesKey, ",,, ;; T: , System.Data.Common.DbConnection<>[], Not A Name!, ```")]
    [InlineData(AnalyzerSettings.UnsafeTypesKey, "T:, Missing.Type, ;;; , <>, \u0000")]
    [InlineData("dotnet_code_quality.DBC.concurrent_methods", "NoDot, .Leading, Trailing., A.B.C.D.E.F, , ; , System.Threading.Tasks.Parallel.")]
    [InlineData("dotnet_code_quality.DBC003.unknown_handler_concurrency", "sometimes; concurrent, ??")]
    public async Task Malformed_values_are_ignored_without_an_exception(string key, string value)
    {
        var baseline = await CountAsync(new());
        var configured = await CountAsync(new() { [key] = value });
        Assert.Equal(baseline.OrderBy(p => p.Key), configured.OrderBy(p => p.Key));
    }

    private static string Label(ImmutableArray<string> keys)
    {
        if (keys.IsEmpty)
        {
            return "severity only";
        }

        var labels = new List<string>();
        if (keys.Contains("dotnet_code_quality.DBC.concurrent_methods"))
        {
            labels.Add("concurrent methods");
        }

        if (keys.Contains("dotnet_code_quality.DBC003.unknown_handler_concurrency"))
        {
            labels.Add("handler concurrency");
        }

        if (keys.Contains(AnalyzerSettings.UnsafeTypesKey) && keys.Contains(AnalyzerSettings.SafeTypesKey))
        {
            labels.Add("unsafe/safe types");
        }

        Assert.Equal(keys.Length, labels.Count + (labels.Contains("unsafe/safe types") ? 1 : 0));
        return string.Join(", ", labels);
    }

    /// <summary>Findings per rule over the kitchen sink (and <paramref name="extra"/>), with global options; fails on any analyzer exception.</summary>
    private static async Task<Dictionary<string, int>> CountAsync(Dictionary<string, string> options, string? extra = null)
    {
        var compilation = extra is null
            ? KitchenSink.Compile((KitchenSink.EveryRule, "/EveryRule.cs"))
            : KitchenSink.Compile((KitchenSink.EveryRule, "/EveryRule.cs"), (extra, "/Extra.cs"));
        var diagnostics = await KitchenSink.AnalyzeAsync(compilation, new FixedOptions(options));
        return diagnostics.GroupBy(d => d.Id).ToDictionary(g => g.Key, g => g.Count());
    }

    private sealed class FixedOptions(Dictionary<string, string> values) : AnalyzerConfigOptionsProvider
    {
        private readonly Options _options = new(values);

        public override AnalyzerConfigOptions GlobalOptions => _options;

        public override AnalyzerConfigOptions GetOptions(SyntaxTree tree) => _options;

        public override AnalyzerConfigOptions GetOptions(AdditionalText textFile) => _options;

        private sealed class Options(Dictionary<string, string> values) : AnalyzerConfigOptions
        {
            public override bool TryGetValue(string key, [NotNullWhen(true)] out string? value) => values.TryGetValue(key, out value);
        }
    }
}
