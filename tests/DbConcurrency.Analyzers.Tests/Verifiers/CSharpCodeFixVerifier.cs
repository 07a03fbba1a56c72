using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>
/// Runs an analyzer and its fix: the fixed code must compile with no diagnostic left (the verifier
/// compiles it against the same real libraries), one fix at a time and through Fix All.
/// </summary>
public static class CSharpCodeFixVerifier<TAnalyzer, TCodeFix>
    where TAnalyzer : DiagnosticAnalyzer, new()
    where TCodeFix : CodeFixProvider, new()
{
    public static DiagnosticResult Diagnostic(string id) => CSharpCodeFixVerifier<TAnalyzer, TCodeFix, DefaultVerifier>.Diagnostic(id);

    public static Task VerifyFixAsync(ReferenceSet references, string source, string fixedSource)
        => new Test(references) { TestCode = source, FixedCode = fixedSource }.RunAsync();

    /// <summary>The diagnostic is reported but no fix is offered: the fixed code is the code as it was.</summary>
    public static Task VerifyNoFixAsync(ReferenceSet references, string source)
        => new Test(references) { TestCode = source, FixedCode = source }.RunAsync();

    public sealed class Test : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
    {
        public Test(ReferenceSet references)
        {
            ReferenceAssemblies = ReferenceSet.NoFrameworkPackages;
            TestState.AdditionalReferences.AddRange(references.References);
        }

        protected override CompilationOptions CreateCompilationOptions()
            => base.CreateCompilationOptions().WithSpecificDiagnosticOptions(TestCompilation.QuietWarnings);
    }
}
