using System.Reflection;
using System.Text.RegularExpressions;
using DbConcurrency.Analyzers.Rules;
using DbConcurrency.CodeFixes.Rules;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Conventions;

/// <summary>Every rule carries its doc page, README row, release-tracking line and fix wiring.</summary>
public class RuleConventionTests
{
    private static readonly Assembly AnalyzerAssembly = typeof(StaticDatabaseObjectAnalyzer).Assembly;
    private static readonly Assembly CodeFixAssembly = typeof(StaticDatabaseObjectCodeFixProvider).Assembly;

    public static TheoryData<string> RuleIds()
    {
        var data = new TheoryData<string>();
        foreach (var descriptor in AllDescriptors())
        {
            data.Add(descriptor.Id);
        }

        return data;
    }

    [Fact]
    public void Rule_ids_are_unique_and_well_formed()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToList();
        Assert.NotEmpty(ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(ids, id => Assert.Matches("^DBC[0-9]{3}$", id));
    }

    [Fact]
    public void Every_diagnostic_id_constant_has_one_registered_analyzer()
    {
        var constants = typeof(DiagnosticIds).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(f => (string)f.GetRawConstantValue()!)
            .OrderBy(id => id)
            .ToList();
        Assert.Equal(constants, AllDescriptors().Select(d => d.Id).OrderBy(id => id).ToList());
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Help_link_points_at_the_rule_page_which_exists_and_carries_the_title(string id)
    {
        var descriptor = Descriptor(id);
        Assert.Equal(Descriptors.HelpLinkBase + id + ".md", descriptor.HelpLinkUri);
        Assert.EndsWith("/docs/rules/" + id + ".md", descriptor.HelpLinkUri, StringComparison.Ordinal);

        var page = RepositoryRoot.Combine("docs", "rules", id + ".md");
        Assert.True(File.Exists(page), "missing " + page);
        var firstLine = File.ReadLines(page).First();
        Assert.Equal($"# {id}: {descriptor.Title}", firstLine);
        var text = File.ReadAllText(page);
        foreach (var section in new[] { "## What it finds", "## Why it matters", "## Examples", "## How to fix", "## Configuration", "## How to suppress" })
        {
            Assert.Contains(section, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void README_rule_table_row_matches_the_descriptor(string id)
    {
        var descriptor = Descriptor(id);
        var readme = File.ReadAllLines(RepositoryRoot.Combine("README.md"));
        var row = Assert.Single(readme, line => line.StartsWith($"| [{id}](docs/rules/{id}.md) |", StringComparison.Ordinal));
        var cells = row.Split('|', StringSplitOptions.TrimEntries).Where(c => c.Length > 0).ToArray();
        Assert.Equal(descriptor.Title.ToString(), cells[1]);
        Assert.Equal(descriptor.Category, cells[2]);
        Assert.Equal(descriptor.DefaultSeverity.ToString(), cells[3]);
        Assert.Equal(HasCodeFix(id) ? "Yes" : "No", cells[4]);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Release_tracking_lists_the_rule_with_its_category_and_severity(string id)
    {
        var descriptor = Descriptor(id);
        var tracked = File.ReadAllText(RepositoryRoot.Combine("src", "DbConcurrency.Analyzers", "AnalyzerReleases.Shipped.md"))
            + File.ReadAllText(RepositoryRoot.Combine("src", "DbConcurrency.Analyzers", "AnalyzerReleases.Unshipped.md"));
        Assert.Matches(new Regex($@"^{id}\s*\|\s*{descriptor.Category}\s*\|\s*{descriptor.DefaultSeverity}\s*\|", RegexOptions.Multiline), tracked);
    }

    [Theory]
    [MemberData(nameof(RuleIds))]
    public void Package_release_notes_describe_the_rule(string id)
    {
        // DBC007 shipped for a session without its line here: the notes travel in the package.
        var notes = File.ReadAllText(RepositoryRoot.Combine("nuget", "RELEASE-NOTES.md")).Replace("`", "", StringComparison.Ordinal).Replace("\n  ", " ", StringComparison.Ordinal);
        Assert.Contains($"- **{id}** {Descriptor(id).Title}", notes, StringComparison.Ordinal);
    }

    [Fact]
    public void README_snippets_that_list_the_rules_list_every_rule()
    {
        // The CI and dotnet format snippets stopped at DBC006 for a session after DBC007 shipped.
        var lists = File.ReadAllLines(RepositoryRoot.Combine("README.md"))
            .Where(line => Regex.IsMatch(line, "DBC001[;, ]DBC002"))
            .ToList();
        Assert.NotEmpty(lists);
        foreach (var line in lists)
        {
            Assert.All(AllDescriptors(), descriptor => Assert.Contains(descriptor.Id, line, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Every_code_fix_provider_fixes_known_rules_and_supports_fix_all()
    {
        var ids = AllDescriptors().Select(d => d.Id).ToHashSet();
        var providers = CodeFixProviders().ToList();
        Assert.NotEmpty(providers);
        foreach (var provider in providers)
        {
            Assert.True(provider.GetType().IsSealed, provider.GetType().Name + " is not sealed");
            Assert.NotNull(provider.GetType().GetCustomAttribute<ExportCodeFixProviderAttribute>());
            Assert.All(provider.FixableDiagnosticIds, id => Assert.Contains(id, ids));
            Assert.NotNull(provider.GetFixAllProvider());
        }
    }

    [Fact]
    public void Analyzer_assembly_needs_only_the_compiler_of_the_oldest_supported_host()
    {
        var references = AnalyzerAssembly.GetReferencedAssemblies();
        Assert.DoesNotContain(references, r => r.Name!.StartsWith("Microsoft.CodeAnalysis.Workspaces", StringComparison.Ordinal));
        Assert.DoesNotContain(references, r => r.Name == "Microsoft.CodeAnalysis.CSharp.Workspaces");
        var roslyn = Assert.Single(references, r => r.Name == "Microsoft.CodeAnalysis");
        Assert.True(roslyn.Version <= new Version(4, 8, 0, 0), $"analyzers compile against Roslyn {roslyn.Version}; the .NET 8 SDK ships 4.8");
        Assert.Contains(".NETStandard,Version=v2.0", AnalyzerAssembly.GetCustomAttribute<System.Runtime.Versioning.TargetFrameworkAttribute>()!.FrameworkName, StringComparison.Ordinal);
    }

    private static bool HasCodeFix(string id) => CodeFixProviders().Any(p => p.FixableDiagnosticIds.Contains(id));

    private static DiagnosticDescriptor Descriptor(string id) => Assert.Single(AllDescriptors(), d => d.Id == id);

    private static IEnumerable<DiagnosticDescriptor> AllDescriptors()
        => Analyzers().SelectMany(a => a.SupportedDiagnostics);

    private static IEnumerable<DiagnosticAnalyzer> Analyzers()
        => AnalyzerAssembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t) && t.GetCustomAttribute<DiagnosticAnalyzerAttribute>() is not null)
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!);

    private static IEnumerable<CodeFixProvider> CodeFixProviders()
        => CodeFixAssembly.GetTypes()
            .Where(t => !t.IsAbstract && typeof(CodeFixProvider).IsAssignableFrom(t))
            .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!);
}
