using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>Runs one analyzer over sources compiled against a named set of real libraries.</summary>
public static class CSharpAnalyzerVerifier<TAnalyzer>
    where TAnalyzer : DiagnosticAnalyzer, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpAnalyzerVerifier<TAnalyzer, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyAsync(ReferenceSet references, string source, params DiagnosticResult[] expected)
        => VerifyAsync(references, source, editorConfig: null, expected);

    public static Task VerifyAsync(ReferenceSet references, string source, string? editorConfig, params DiagnosticResult[] expected)
    {
        var test = new Test { TestCode = source };
        test.Use(references);
        if (editorConfig is not null)
        {
            test.TestState.AnalyzerConfigFiles.Add(("/.editorconfig", editorConfig));
        }

        test.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync();
    }

    public sealed class Test : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
    {
        public void Use(ReferenceSet references)
        {
            ReferenceAssemblies = ReferenceSet.NoFrameworkPackages;
            TestState.AdditionalReferences.AddRange(references.References);
        }

        protected override CompilationOptions CreateCompilationOptions()
            => base.CreateCompilationOptions().WithSpecificDiagnosticOptions(TestCompilation.QuietWarnings);
    }
}
