using System.Collections.Immutable;
using DbConcurrency.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.MSBuild;

namespace DbConcurrency.Cli;

/// <summary>Loads the user's projects without touching their files, runs the rules, reports, and fixes on request.</summary>
internal static class ScanCommand
{
    public const int Clean = 0;
    public const int Findings = 1;
    public const int Failure = 2;

    // Fixes run one at a time, each on the previous one's result; a bound stops a fix that keeps finding work.
    private const int MaxFixes = 1000;

    private static readonly ImmutableArray<DiagnosticAnalyzer> Analyzers = typeof(DiagnosticIds).Assembly.GetTypes()
        .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    private static readonly ImmutableArray<CodeFixProvider> Fixes = typeof(DbConcurrency.CodeFixes.Rules.StaticDatabaseObjectCodeFixProvider).Assembly.GetTypes()
        .Where(type => typeof(CodeFixProvider).IsAssignableFrom(type) && !type.IsAbstract)
        .Select(type => (CodeFixProvider)Activator.CreateInstance(type)!)
        .ToImmutableArray();

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter progress)
    {
        if (!ScanOptions.TryParse(args, out var options, out var error))
        {
            await progress.WriteLineAsync(error);
            await progress.WriteLineAsync(ScanOptions.Usage);
            return Failure;
        }

        var target = Inputs.Resolve(options.Path, out error);
        if (target is null)
        {
            await progress.WriteLineAsync(error);
            return Failure;
        }

        using var workspace = MSBuildWorkspace.Create();
        var loadFailures = new List<string>();
#pragma warning disable CS0618 // The event is the handler API this Roslyn offers hosts.
        workspace.WorkspaceFailed += (_, e) =>
        {
            if (e.Diagnostic.Kind == WorkspaceDiagnosticKind.Failure)
            {
                loadFailures.Add(e.Diagnostic.Message);
            }
        };
#pragma warning restore CS0618

        Solution solution;
        try
        {
            await progress.WriteLineAsync($"Loading {target} …");
            solution = target.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase)
                ? (await workspace.OpenProjectAsync(target)).Solution
                : await workspace.OpenSolutionAsync(target);
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or ArgumentException)
        {
            await progress.WriteLineAsync($"Could not load {target}: {e.Message}");
            await progress.WriteLineAsync("Is a .NET SDK installed, and does 'dotnet restore' succeed for it?");
            return Failure;
        }

        var projects = solution.Projects.Where(p => p.Language == LanguageNames.CSharp).ToList();
        if (projects.Count == 0)
        {
            await progress.WriteLineAsync($"No C# project could be loaded from {target}.");
            foreach (var failure in loadFailures.Take(10))
            {
                await progress.WriteLineAsync("  " + failure);
            }

            return Failure;
        }

        if (options.Fix)
        {
            solution = await FixAsync(solution, progress);
            if (!workspace.TryApplyChanges(solution))
            {
                await progress.WriteLineAsync("The fixes could not be written back to the files.");
                return Failure;
            }
        }

        var findings = await AnalyzeAsync(solution, progress);
        await Report.WriteAsync(options.Format, findings, Analyzers.SelectMany(a => a.SupportedDiagnostics).ToImmutableArray(), options.Output, output);
        return findings.Count == 0 ? Clean : Findings;
    }

    private static async Task<List<Diagnostic>> AnalyzeAsync(Solution solution, TextWriter progress)
    {
        var findings = new List<Diagnostic>();
        var projects = solution.Projects.Where(p => p.Language == LanguageNames.CSharp).ToList();
        for (var i = 0; i < projects.Count; i++)
        {
            var project = projects[i];
            await progress.WriteLineAsync($"[{i + 1}/{projects.Count}] {project.Name}");
            var compilation = await project.GetCompilationAsync();
            if (compilation is null)
            {
                continue;
            }

            var diagnostics = await compilation
                .WithAnalyzers(Analyzers, project.AnalyzerOptions)
                .GetAnalyzerDiagnosticsAsync();
            findings.AddRange(diagnostics.Where(d => d.Id.StartsWith("DBC", StringComparison.Ordinal) && d.Severity != DiagnosticSeverity.Hidden));
        }

        return findings
            .OrderBy(d => d.Id, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Location.SourceSpan.Start)
            .ToList();
    }

    /// <summary>Applies the first fix offered for each finding, one at a time, until none is left that a fix can mend.</summary>
    private static async Task<Solution> FixAsync(Solution solution, TextWriter progress)
    {
        var skipped = new HashSet<string>(StringComparer.Ordinal);
        var changed = new HashSet<DocumentId>();
        for (var applied = 0; applied < MaxFixes; applied++)
        {
            var next = await NextFixAsync(solution, skipped);
            if (next is null)
            {
                break;
            }

            var (action, diagnostic) = next.Value;
            foreach (var operation in await action.GetOperationsAsync(CancellationToken.None))
            {
                if (operation is ApplyChangesOperation apply)
                {
                    foreach (var projectChanges in apply.ChangedSolution.GetChanges(solution).GetProjectChanges())
                    {
                        changed.UnionWith(projectChanges.GetChangedDocuments());
                    }

                    solution = apply.ChangedSolution;
                }
            }

            await progress.WriteLineAsync($"Fixed {diagnostic.Id} at {Describe(diagnostic)}: {action.Title}");
        }

        foreach (var id in changed)
        {
            await progress.WriteLineAsync("Changed " + solution.GetDocument(id)?.FilePath);
        }

        return solution;
    }

    private static async Task<(CodeAction Action, Diagnostic Diagnostic)?> NextFixAsync(Solution solution, HashSet<string> skipped)
    {
        foreach (var project in solution.Projects.Where(p => p.Language == LanguageNames.CSharp))
        {
            var compilation = await project.GetCompilationAsync();
            if (compilation is null)
            {
                continue;
            }

            var diagnostics = await compilation.WithAnalyzers(Analyzers, project.AnalyzerOptions).GetAnalyzerDiagnosticsAsync();
            foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start))
            {
                var key = diagnostic.Id + "@" + Describe(diagnostic);
                var document = project.GetDocument(diagnostic.Location.SourceTree);
                if (document is null || skipped.Contains(key))
                {
                    continue;
                }

                foreach (var provider in Fixes.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
                {
                    var actions = new List<CodeAction>();
                    await provider.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
                    if (actions.Count > 0)
                    {
                        return (actions[0], diagnostic);
                    }
                }

                // Nothing to offer here (the fix would change what the code means): leave it for the report.
                skipped.Add(key);
            }
        }

        return null;
    }

    /// <summary>"samples/TodoApi/TodoStore.cs(11,46)": relative to where the tool runs when the file is below it, as compilers print.</summary>
    internal static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        return $"{ShortPath(span.Path)}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})";
    }

    internal static string ShortPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, path);
        return relative.StartsWith("..", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? path : relative;
    }
}
