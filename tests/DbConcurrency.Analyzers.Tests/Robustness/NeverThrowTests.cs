using System.Collections.Concurrent;
using System.Collections.Immutable;
using DbConcurrency.Analyzers.Tests.Verifiers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit.Abstractions;

namespace DbConcurrency.Analyzers.Tests.Robustness;

/// <summary>
/// The code an IDE hands the analyzers on every keystroke: cut short, missing a token, missing its
/// references, or written in syntax the rules rarely meet. No analyzer may throw on any of it (AD0001).
/// </summary>
public class NeverThrowTests(ITestOutputHelper output)
{
    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = ShippedAnalyzers.Create();

    private static readonly TimeSpan Watchdog = TimeSpan.FromMinutes(1);

    private static readonly ImmutableArray<CodeFixProvider> FixProviders = typeof(CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider).Assembly.GetTypes()
        .Where(type => typeof(CodeFixProvider).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
        .ToImmutableArray();

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
        var document = workspace.AddDocument(project.Id, "Input.cs", SourceText.From(KitchenSink.EveryRule));
        workspace.AddDocument(project.Id, "GlobalUsings.cs", SourceText.From(KitchenSink.GlobalUsings));
        document = workspace.CurrentSolution.GetDocument(document.Id)!;

        var compilation = (await document.Project.GetCompilationAsync())!;
        var diagnostics = await compilation.WithAnalyzers(Analyzers).GetAnalyzerDiagnosticsAsync();
        var applied = 0;
        var broken = new List<string>();
        foreach (var diagnostic in diagnostics.Where(d => d.Location.SourceTree?.FilePath == document.FilePath || d.Location.SourceTree == compilation.SyntaxTrees.First()))
        {
            foreach (var provider in FixProviders.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
            {
                var actions = new List<CodeAction>();
                await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                foreach (var action in actions)
                {
                    var operations = await action.GetOperationsAsync(CancellationToken.None);
                    var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
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
        var inputs = Mangle(source, seed: name.Length * 7919, cutEvery: 7, removals: 40);
        // Each fix recompiles the input, and these files carry dozens of findings: the fixes run on a dozen inputs.
        var failures = await RunAsync(inputs, ReferenceSets.ByName("Everything"), fixEvery: Math.Max(1, inputs.Count / 12));
        Report(name, inputs.Count, failures);
    }

    [Theory]
    [MemberData(nameof(Sources))]
    public async Task No_analyzer_throws_when_no_database_library_is_referenced(string name)
    {
        // Names that look like database types, with nothing behind them: error types everywhere.
        var failures = await RunAsync(new[] { Load(name) }, ReferenceSets.Net80, withPrelude: false);
        AssertNone(failures);
    }

    /// <summary>
    /// <c>class Counter(SqliteConnection )</c>, as typed before the name: the parameter's name is empty, and a
    /// search for an empty name in the members' text found it at the same place forever (found by the harvest below).
    /// </summary>
    [Fact]
    public async Task No_analyzer_loops_on_a_primary_constructor_parameter_not_named_yet()
    {
        var failures = await RunAsync(
            new[]
            {
                """
                public sealed class Counter(SqliteConnection )
                {
                    private readonly object _gate = new();

                    public void Increment()
                    {
                        lock (_gate)
                        {
                            connection.Execute("update counter set value = value + 1");
                        }
                    }

                    public long Read() => connection.ExecuteScalar<long>("select value from counter");
                }
                """,
            },
            ReferenceSets.SqliteDapper);
        AssertNone(failures);
    }

    /// <summary>
    /// A member still being typed (<c>ExecuteScalar&lt;long</c>, the generic argument list not closed yet): the fixes
    /// that rewrite statements (DBC001's per-use connection, DBC005's lock) are not offered in it, since wrapping
    /// the broken piece makes the parser read it differently and report errors the user did not write.
    /// </summary>
    [Fact]
    public async Task No_fix_rewrites_a_member_still_being_typed()
    {
        var failures = await RunAsync(
            new[]
            {
                """
                public static class Counter
                {
                    private static readonly SqliteConnection Connection = new("Data Source=app.db");

                    public static void Touch() => Connection.Execute("update counter set touched = 1");

                    public static long Read() => Connection.ExecuteScalar<long
                }
                """,
                """
                public sealed class Counter(SqliteConnection connection)
                {
                    private readonly object _gate = new();

                    public void Increment()
                    {
                        lock (_gate)
                        {
                            connection.Execute("update counter set value = value + 1");
                        }
                    }

                    public long Read() => connection.ExecuteScalar<long
                }
                """,
            },
            ReferenceSets.SqliteDapper);
        AssertNone(failures);
    }

    public static TheoryData<string> TestSourceIds()
    {
        var data = new TheoryData<string>();
        foreach (var id in TestSources.Ids)
        {
            data.Add(id);
        }

        return data;
    }

    /// <summary>
    /// Every source a rule test compiles, cut up the same way (fifty cuts, forty removals: a twelfth as many
    /// cuts found half of the bugs this found), against the libraries its test uses, then without any.
    /// </summary>
    [Theory]
    [MemberData(nameof(TestSourceIds))]
    public async Task No_analyzer_or_fix_throws_on_a_test_source_cut_short_or_missing_tokens(string id)
    {
        var source = TestSources.Get(id);
        var tokens = CSharpSyntaxTree.ParseText(source.Text).GetRoot().DescendantTokens().Count();
        var inputs = Mangle(source.Text, seed: StableHash(id), cutEvery: Math.Max(2, tokens / 50), removals: 40);

        // A source without usings of its own is written for the global usings beside it, as the kitchen sink's are.
        var withPrelude = !source.Text.Contains("using ", StringComparison.Ordinal);
        var failures = await RunAsync(inputs, ReferenceSets.ByName(source.ReferenceSet), withPrelude);
        failures.AddRange(await RunAsync(new[] { source.Text }, ReferenceSets.Net80, withPrelude: false));
        Report($"{id} ({source.ReferenceSet})", inputs.Count + 1, failures);
    }

    [Fact]
    public void Every_test_file_with_sources_is_harvested()
    {
        // The harvest reads the test files themselves; a change to how tests hold their sources must not empty it.
        var files = TestSources.Ids.Select(id => id[..id.LastIndexOf(':')]).Distinct().ToList();
        Assert.Contains("Rules/OverlappingOperationsAnalyzerTests.cs", files);
        Assert.Contains("Rules/SingletonDatabaseObjectCodeFixTests.cs", files);
        Assert.True(TestSources.Ids.Count() >= 300, $"only {TestSources.Ids.Count()} sources harvested");
    }

    /// <summary>The line the notes count ("N inputs, N analyzer exceptions …"), then each failure in full.</summary>
    private void Report(string name, int inputs, List<string> failures)
    {
        output.WriteLine($"{name}: {inputs} inputs, {failures.Count} analyzer exceptions or broken fixes");
        AssertNone(failures);
    }

    /// <summary>Every failure in full: a collection assertion would cut each message to a few characters.</summary>
    private static void AssertNone(List<string> failures) => Assert.True(failures.Count == 0, string.Join("\n\n", failures));

    /// <summary>The file as it looks while typed top to bottom (cut after every <paramref name="cutEvery"/> tokens), and with one or three tokens gone.</summary>
    private static List<string> Mangle(string source, int seed, int cutEvery, int removals)
    {
        var inputs = new List<string> { source };
        var tokens = CSharpSyntaxTree.ParseText(source).GetRoot().DescendantTokens().ToList();
        for (var i = 0; i < tokens.Count; i += cutEvery)
        {
            inputs.Add(source[..tokens[i].Span.End]);
        }

        // Places chosen with a fixed seed: the same inputs every run.
        var random = new Random(seed);
        for (var i = 0; i < removals; i++)
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

        return inputs;
    }

    /// <summary>string.GetHashCode differs between runs; the inputs must not.</summary>
    private static int StableHash(string text)
    {
        var hash = 17;
        foreach (var c in text)
        {
            hash = unchecked((hash * 31) + c);
        }

        return hash & int.MaxValue;
    }

    /// <summary>
    /// Runs every analyzer over each input, then every fix offered for each finding. A fix that throws, or
    /// leaves an error the input did not have, is a failure: on broken input it must make things no worse.
    /// </summary>
    private static async Task<List<string>> RunAsync(IReadOnlyList<string> inputs, ReferenceSet references, bool withPrelude = true, int fixEvery = 1)
    {
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(inputs.Select((input, index) => (input, index)), new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, async (item, cancellationToken) =>
        {
            // An analyzer that never returns hangs the IDE, and would hang CI without a word: each input has a minute.
            var (input, index) = item;
            try
            {
                await Task.Run(() => CheckAsync(input, index, cancellationToken), cancellationToken).WaitAsync(Watchdog, cancellationToken);
            }
            catch (TimeoutException)
            {
                failures.Enqueue($"no answer within {Watchdog.TotalSeconds} s: an analyzer or fix that never returns\n{Snippet(input)}");
            }
        });

        return failures.ToList();

        async Task CheckAsync(string input, int index, CancellationToken cancellationToken)
        {
            using var workspace = new AdhocWorkspace();
            var project = workspace.AddProject(ProjectInfo.Create(
                ProjectId.CreateNewId(),
                VersionStamp.Default,
                "Input",
                "Input",
                LanguageNames.CSharp,
                compilationOptions: new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable, allowUnsafe: true),
                parseOptions: new CSharpParseOptions(LanguageVersion.Latest),
                metadataReferences: references.References));
            var document = workspace.AddDocument(DocumentInfo.Create(DocumentId.CreateNewId(project.Id), "Input.cs", filePath: "/Input.cs", loader: TextLoader.From(TextAndVersion.Create(SourceText.From(input), VersionStamp.Default))));
            if (withPrelude)
            {
                workspace.AddDocument(DocumentInfo.Create(DocumentId.CreateNewId(project.Id), "GlobalUsings.cs", filePath: "/GlobalUsings.cs", loader: TextLoader.From(TextAndVersion.Create(SourceText.From(GlobalUsingsFor(references)), VersionStamp.Default))));
            }

            document = workspace.CurrentSolution.GetDocument(document.Id)!;
            var compilation = (await document.Project.GetCompilationAsync(cancellationToken))!;
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

            if (index % fixEvery != 0)
            {
                return;
            }

            var errors = ErrorCounts(compilation);
            foreach (var diagnostic in diagnostics.Where(d => d.Id != "AD0001" && d.Location.SourceTree?.FilePath == "/Input.cs"))
            {
                foreach (var provider in FixProviders.Where(p => p.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    try
                    {
                        var actions = new List<CodeAction>();
                        await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), cancellationToken));
                        foreach (var action in actions)
                        {
                            var changed = (await action.GetOperationsAsync(cancellationToken)).OfType<ApplyChangesOperation>().Single().ChangedSolution;
                            var after = ErrorCounts((await changed.GetProject(project.Id)!.GetCompilationAsync(cancellationToken))!);
                            var added = after.Where(e => e.Value > errors.GetValueOrDefault(e.Key)).Select(e => e.Key).ToList();
                            if (added.Count > 0)
                            {
                                failures.Enqueue($"{diagnostic.Id} fix '{action.Title}' adds {string.Join(", ", added)}\n{Snippet(input)}");
                            }
                        }
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        failures.Enqueue($"{provider.GetType().Name}: {exception.GetType().Name}: {exception.Message}\n{Snippet(input)}");
                    }
                }
            }
        }
    }

    private static readonly ConcurrentDictionary<ReferenceSet, string> GlobalUsingsBySet = new();

    /// <summary>The kitchen sink's global usings that <paramref name="references"/> can resolve: a source written for them, compiled against fewer libraries, keeps the rest.</summary>
    private static string GlobalUsingsFor(ReferenceSet references) => GlobalUsingsBySet.GetOrAdd(references, set =>
    {
        var tree = CSharpSyntaxTree.ParseText(KitchenSink.GlobalUsings, new CSharpParseOptions(LanguageVersion.Latest));
        var unresolved = CSharpCompilation.Create("Usings", new[] { tree }, set.References)
            .GetDiagnostics()
            .Where(d => d.Id is "CS0246" or "CS0234")
            .Select(d => d.Location.GetLineSpan().StartLinePosition.Line)
            .ToHashSet();
        var lines = KitchenSink.GlobalUsings.Split('\n');
        return string.Join("\n", lines.Where((_, line) => !unresolved.Contains(line)));
    });

    private static Dictionary<string, int> ErrorCounts(Compilation compilation)
        => compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .GroupBy(d => d.Id, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

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
