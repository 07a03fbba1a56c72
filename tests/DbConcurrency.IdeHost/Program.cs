using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.MSBuild;

// ide <project.csproj> <file to fix> <rule to fix>
// Prints tab-separated lines: "analyzers <path>", "diagnostic <file> <line> <column> <id>",
// "action <file> <line> <id> <equivalence key> <title>", then for the one fix applied "applied <title>",
// "after <file> <line> <column> <id>" for what the changed document still reports, and "errors <count>".
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: ide <project.csproj> <file to fix> <rule to fix>");
    return 2;
}

var (projectPath, fileToFix, ruleToFix) = (args[0], args[1], args[2]);
using var workspace = MSBuildWorkspace.Create();
var project = await workspace.OpenProjectAsync(projectPath);

// What the editor loads: the project's analyzer references, as MSBuild resolved them from the restored package.
var ours = project.AnalyzerReferences.OfType<AnalyzerFileReference>()
    .Where(r => Path.GetFileName(r.FullPath).StartsWith("DbConcurrency.", StringComparison.Ordinal))
    .ToList();
foreach (var reference in ours)
{
    Console.WriteLine("analyzers\t" + reference.FullPath);
}

var analyzers = ours.SelectMany(r => r.GetAnalyzers(LanguageNames.CSharp)).ToImmutableArray();
var fixers = ours
    .SelectMany(r => r.GetAssembly().GetTypes())
    .Where(t => typeof(CodeFixProvider).IsAssignableFrom(t) && !t.IsAbstract
        && t.GetCustomAttribute<ExportCodeFixProviderAttribute>() is { } export && export.Languages.Contains(LanguageNames.CSharp))
    .Select(t => (CodeFixProvider)Activator.CreateInstance(t)!)
    .ToList();

var compilation = (await project.GetCompilationAsync())!;
var withAnalyzers = compilation.WithAnalyzers(analyzers, project.AnalyzerOptions);
Diagnostic? toFix = null;
foreach (var document in project.Documents.OrderBy(d => d.FilePath, StringComparer.Ordinal))
{
    // Document by document, as the editor asks for the open file's squiggles.
    var model = (await document.GetSemanticModelAsync())!;
    foreach (var diagnostic in await DocumentDiagnosticsAsync(withAnalyzers, model))
    {
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        var name = Path.GetFileName(document.FilePath!);
        Console.WriteLine($"diagnostic\t{name}\t{position.Line + 1}\t{position.Character + 1}\t{diagnostic.Id}");
        foreach (var action in await ActionsAsync(document, diagnostic))
        {
            Console.WriteLine($"action\t{name}\t{position.Line + 1}\t{diagnostic.Id}\t{action.EquivalenceKey}\t{action.Title}");
        }

        if (toFix is null && name == fileToFix && diagnostic.Id == ruleToFix)
        {
            toFix = diagnostic;
        }
    }
}

if (toFix is null)
{
    Console.Error.WriteLine($"no {ruleToFix} in {fileToFix}");
    return 1;
}

var target = project.Documents.Single(d => Path.GetFileName(d.FilePath) == fileToFix);
var chosen = (await ActionsAsync(target, toFix)).First();
var operations = await chosen.GetOperationsAsync(CancellationToken.None);
var changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
Console.WriteLine("applied\t" + chosen.Title);
var changedProject = changed.GetProject(project.Id)!;
var changedCompilation = (await changedProject.GetCompilationAsync())!;
var changedDocument = changedProject.GetDocument(target.Id)!;
var changedModel = (await changedDocument.GetSemanticModelAsync())!;
foreach (var diagnostic in await DocumentDiagnosticsAsync(changedCompilation.WithAnalyzers(analyzers, project.AnalyzerOptions), changedModel))
{
    var position = diagnostic.Location.GetLineSpan().StartLinePosition;
    Console.WriteLine($"after\t{fileToFix}\t{position.Line + 1}\t{position.Character + 1}\t{diagnostic.Id}");
}

Console.WriteLine("errors\t" + changedCompilation.GetDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error));
return 0;

static async Task<ImmutableArray<Diagnostic>> DocumentDiagnosticsAsync(CompilationWithAnalyzers withAnalyzers, SemanticModel model)
{
    var result = await withAnalyzers.GetAnalysisResultAsync(model, filterSpan: null, CancellationToken.None);
    return result.SemanticDiagnostics.TryGetValue(model.SyntaxTree, out var byAnalyzer)
        ? byAnalyzer.Values.SelectMany(d => d).OrderBy(d => d.Location.SourceSpan.Start).ThenBy(d => d.Id, StringComparer.Ordinal).ToImmutableArray()
        : ImmutableArray<Diagnostic>.Empty;
}

async Task<List<CodeAction>> ActionsAsync(Document document, Diagnostic diagnostic)
{
    var actions = new List<CodeAction>();
    foreach (var fixer in fixers.Where(f => f.FixableDiagnosticIds.Contains(diagnostic.Id)))
    {
        await fixer.RegisterCodeFixesAsync(new CodeFixContext(document, diagnostic, (action, _) => actions.Add(action), CancellationToken.None));
    }

    return actions.SelectMany(a => a.NestedActions.IsEmpty ? new[] { a } : a.NestedActions.ToArray()).ToList();
}
