using System.Collections.Concurrent;
using System.Collections.Immutable;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit.Abstractions;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// The code an IDE hands the analyzers on every keystroke: cut short, missing a token, missing its
/// references, or written in syntax the rules rarely meet. No analyzer may throw on any of it (AD0001).
/// </summary>
public class NeverThrowTests(ITestOutputHelper output)
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ShippedAnalyzers.Create();

    public static TheoryData<string> Sources()
    {
        var data = new TheoryData<string> { nameof(KitchenSink.EveryRule), nameof(KitchenSink.UnusualSyntax) };
        foreach (var file in SampleFiles())
        {
            data.Add(file);
        }

        return data;
    }

    [Fact]
    public void Every_analyzer_is_run()
        => Assert.Equal(typeof(DiagnosticIds).GetFields().Length, Analyzers.SelectMany(a => a.SupportedDiagnostics).Select(d => d.Id).Distinct().Count());

    /// <summary>The inputs are worth cutting up only if the whole source puts every rule to work.</summary>
    [Fact]
    public async Task The_kitchen_sink_compiles_and_every_rule_reports_in_it()
    {
        var (compilation, diagnostics) = await AnalyzeAsync(KitchenSink.EveryRule, ReferenceSets.ByName("Everything"));
        Assert.Empty(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
        var reported = diagnostics.Select(d => d.Id).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceSpan.Start))
        {
            output.WriteLine(diagnostic.ToString());
        }

        Assert.Equal(typeof(DiagnosticIds).GetFields().Select(f => (string)f.GetRawConstantValue()!).Order(StringComparer.Ordinal), reported);
    }

    /// <summary>Every fix offered on the kitchen sink, applied alone, leaves code that still compiles.</summary>
    [Fact]
    public async Task Every_fix_offered_in_the_kitchen_sink_leaves_code_that_compiles()
    {
        var providers = typeof(CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider).Assembly.GetTypes()
            .Where(type => typeof(CodeFixProvider).IsAssignableFrom(type) && !type.IsAbstract)
            .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
            .ToList();
        using var workspace = new AdhocWorkspace();
        var project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(),
            VersionStamp.Default,
            "KitchenSink",
            "KitchenSink",
            LanguageNames.CSharp,
            compilationOptions: new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable),
            parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
            metadataReferences: ReferenceSets.ByName("Everything").References));
        var document = workspace.AddDocument(project.Id, "Input.cs", Microsoft.CodeAnalysis.Text.SourceText.From(KitchenSink.EveryRule));
        workspace.AddDocument(project.Id, "GlobalUsings.cs", Microsoft.CodeAnalysis.Text.SourceText.From(KitchenSink.GlobalUsings));
        document = workspace.CurrentSolution.GetDocument(document.Id)!;

        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync();
        var applied = 0;
        var broken = new List<string>();
        foreach (var diagnostic in diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath || d.Location.SourceTree == compilation.SyntaxTrees.First()))
        {
            foreach (var provider in providers.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                var actions = new List<Microsoft.CodeAnalysis.CodeActions.CodeAction>();
                await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                foreach (var action in actions)
                {
                    var operations = await action.GetOperationsAsync(CancellationToken.None);
                    var changed = operations.OfType<Microsoft.CodeAnalysis.CodeActions.ApplyChangesOperation>().Single().ChangedSolution;
                    var errors = (await changed.GetProject(project.Id)!.GetCompilationAsync())!.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
                    applied++;
                    if (errors.Count > 0)
                    {
                        broken.Add($"{diagnostic.Id} '{action.Title}': {errors[0]}");
                    }
                }
            }
        }

        output.WriteLine($"{applied} fixes applied to the kitchen sink, {broken.Count} left errors");
        Assert.True(applied >= 10, $"only {applied} fixes were offered");
        Assert.Empty(broken);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task No_analyzer_throws_on_the_source_cut_short_or_missing_tokens(string name)
    {
        var source = Load(name);
        var inputs = new List<string> { source };
        var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToList();

        // Cut after every seventh token, as the file looks while it is typed top to bottom.
        for (var i = 0; i < tokens.Count; i += 7)
        {
            inputs.Add(source[..tokens[i].Span.End]);
        }

        // One, then three, tokens gone from a place chosen with a fixed seed: the same inputs every run.
        var random = new Random(name.Length * 7919);
        for (var i = 0; i < 40; i++)
        {
            var text = source;
            for (var removed = 0; removed < (i % 2 == 0 ? 1 : 3); removed++)
            {
                var remaining = CSharpSyntaxTree.ParseText(text).GetRoot().DescendantTokens().Where(t => t.Span.Length > 0).ToList();
                var token = remaining[random.Next(remaining.Count)];
                text = text.Remove(token.SpanStart, token.Span.Length);
            }

            inputs.Add(text);
        }

        var failures = await RunAsync(inputs, ReferenceSets.ByName("Everything"));
        output.WriteLine($"{name}: {inputs.Count} inputs, {failures.Count} analyzer exceptions");
        Assert.Empty(failures);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task No_analyzer_throws_when_no_database_library_is_referenced(string name)
    {
        // Names that look like database types, with nothing behind them: error types everywhere.
        var failures = await RunAsync(new[] { Load(name) }, ReferenceSets.Net80, withPrelude: false);
        Assert.Empty(failures);
    }

    private static async Task<List<string>> RunAsync(IReadOnlyList<string> inputs, ReferenceSet references, bool withPrelude = true)
    {
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(inputs, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (input, cancellationToken) =>
        {
            var trees = new List<SyntaxTree> { CSharpSyntaxTree.ParseText(input, new CSharpParseOptions(LanguageVersion.Latest), path: "/Input.cs", cancellationToken: cancellationToken) };
            if (withPrelude)
            {
                trees.Add(CSharpSyntaxTree.ParseText(KitchenSink.GlobalUsings, new CSharpParseOptions(LanguageVersion.Latest), path: "/GlobalUsings.cs", cancellationToken: cancellationToken));
            }

            var compilation = CSharpCompilation.Create(
                "Input",
                trees,
                references.References,
                new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true));
            var options = new CompilationWithAnalyzersOptions(
                new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
                onAnalyzerException: (exception, analyzer, _) => failures.Enqueue($"{analyzer.GetType().Name}: {exception.GetType().Name}: {exception.Message}\n{Snippet(input)}"),
                concurrentAnalysis: true,
                logAnalyzerExecutionTime: false);
            var diagnostics = await compilation.WithAnalyzers(Analyzers, options).GetAnalyzerDiagnosticsAsync(cancellationToken);
            foreach (var diagnostic in diagnostics.Where(d => d.Id == "AD0001"))
            {
                failures.Enqueue(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture) + "\n" + Snippet(input));
            }
        });

        return failures.ToList();
    }

    private static async Task<(Compilation Compilation, ImmutableArray<Diagnostic> Diagnostics)> AnalyzeAsync(string source, ReferenceSet references)
    {
        var compilation = CSharpCompilation.Create(
            "Input",
            new[]
            {
                CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: "/Input.cs"),
                CSharpSyntaxTree.ParseText(KitchenSink.GlobalUsings, new CSharpParseOptions(LanguageVersion.Latest), path: "/GlobalUsings.cs"),
            },
            references.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        return (compilation, await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync());
    }

    private static string Snippet(string input) => input.Length <= 200 ? input : "…" + input[^200..];

    private static string Load(string name) => name switch
    {
        nameof(KitchenSink.EveryRule) => KitchenSink.EveryRule,
        nameof(KitchenSink.UnusualSyntax) => KitchenSink.UnusualSyntax,
        _ => File.ReadAllText(RepositoryRoot.Combine(name.Split('/'))),
    };

    private static IEnumerable<string> SampleFiles()
        => new[] { "TodoApi", "TodoApi.Fixed" }
            .SelectMany(project => Directory.GetFiles(RepositoryRoot.Combine("samples", project), "*.cs")
                .Order(StringComparer.Ordinal)
                .Select(path => "samples/" + project + "/" + Path.GetFileName(path)));
}
