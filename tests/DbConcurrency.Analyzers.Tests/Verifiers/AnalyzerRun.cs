using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer the way the IDE does on code that does not compile, where the verifiers' exact
/// expectations do not apply: what matters is that nothing throws.
/// </summary>
public static class AnalyzerRun
{
    public static async Task<IReadOnlyList<Exception>> ExceptionsAsync(DiagnosticAnalyzer analyzer, ReferenceSet references, params string[] sources)
    {
        var trees = sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Latest), path: $"/{i}.cs"));
        var compilation = CSharpCompilation.Create(
            "Incomplete",
            trees,
            references.References,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));

        var exceptions = new ConcurrentQueue<Exception>();
        var options = new CompilationWithAnalyzersOptions(
            new AnalyzerOptions(ImmutableArray<AdditionalText>.Empty),
            onAnalyzerException: (exception, _, _) => exceptions.Enqueue(exception),
            concurrentAnalysis: true,
            logAnalyzerExecutionTime: false);
        var diagnostics = await compilation.WithAnalyzers(ImmutableArray.Create(analyzer), options).GetAnalyzerDiagnosticsAsync();
        foreach (var diagnostic in diagnostics.Where(d => d.Id == "AD0001"))
        {
            exceptions.Enqueue(new InvalidOperationException(diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return exceptions.ToList();
    }
}
