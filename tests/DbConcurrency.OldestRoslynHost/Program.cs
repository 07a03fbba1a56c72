using System.Collections.Immutable;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

// oldest <analyzer dll> <file listing reference paths> <source files...>
// Prints "roslyn <version>", then "diagnostic <file> <line> <column> <id>" per finding, "error <message>" per compiler
// error, and "exception <message>" per analyzer exception; exits 1 when there is any error or exception.
if (args.Length < 3)
{
    Console.Error.WriteLine("usage: oldest <analyzer dll> <references file> <sources...>");
    return 2;
}

Console.WriteLine("roslyn\t" + typeof(Compilation).Assembly.GetName().Version);
var references = File.ReadAllLines(args[1]).Where(l => l.Length > 0).Select(p => MetadataReference.CreateFromFile(p));
var parse = new CSharpParseOptions(LanguageVersion.Latest);
var trees = args.Skip(2).Select(path => CSharpSyntaxTree.ParseText(File.ReadAllText(path), parse, path));
var compilation = CSharpCompilation.Create(
    "Consumer",
    trees,
    references,
    new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));

var analyzers = new AnalyzerFileReference(args[0], new Loader()).GetAnalyzers(LanguageNames.CSharp);
var exceptions = new List<string>();
var options = new CompilationWithAnalyzersOptions(
    new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
    (exception, analyzer, _) => { lock (exceptions) { exceptions.Add(analyzer + ": " + exception.Message); } },
    concurrentAnalysis: true,
    logAnalyzerExecutionTime: false);
var diagnostics = await compilation.WithAnalyzers(analyzers, options).GetAllDiagnosticsAsync();
var failed = false;
foreach (var diagnostic in diagnostics.OrderBy(d => d.Location.SourceTree?.FilePath, StringComparer.Ordinal).ThenBy(d => d.Location.SourceSpan.Start))
{
    if (diagnostic.Id.StartsWith("DBC", StringComparison.Ordinal))
    {
        var position = diagnostic.Location.GetLineSpan().StartLinePosition;
        Console.WriteLine($"diagnostic\t{Path.GetFileName(diagnostic.Location.SourceTree!.FilePath)}\t{position.Line + 1}\t{position.Character + 1}\t{diagnostic.Id}");
    }
    else if (diagnostic.Severity == DiagnosticSeverity.Error || diagnostic.Id == "AD0001")
    {
        Console.WriteLine("error\t" + diagnostic);
        failed = true;
    }
}

foreach (var exception in exceptions)
{
    Console.WriteLine("exception\t" + exception);
    failed = true;
}

return failed ? 1 : 0;

/// <summary>Loads the analyzer assembly and, beside it, what it depends on: nothing but this process's Roslyn, as it turns out.</summary>
internal sealed class Loader : IAnalyzerAssemblyLoader
{
    public void AddDependencyLocation(string fullPath)
    {
    }

    public Assembly LoadFromPath(string fullPath) => Assembly.LoadFrom(fullPath);
}
