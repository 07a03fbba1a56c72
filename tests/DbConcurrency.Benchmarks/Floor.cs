using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

// Test scaffolding, not a shipped analyzer: release tracking, the attribute and the target-framework rule do not apply.
#pragma warning disable RS1001, RS1041, RS2008

namespace DbConcurrency.Benchmarks;

/// <summary>
/// Analyzers that do nothing in the callbacks the rules register: what the driver itself charges a rule for
/// being called (its stopwatch, the delegate, the walk), the floor under any rule's figure; and one that only
/// reports, for what the driver charges a rule for reporting.
/// </summary>
internal static class Floor
{
    private static readonly DiagnosticDescriptor Descriptor = new("FLOOR", "Floor", "Floor", "Floor", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public static readonly ImmutableArray<(string Name, DiagnosticAnalyzer Analyzer)> Analyzers = ImmutableArray.Create<(string, DiagnosticAnalyzer)>(
        ("invocation", new Empty(context => context.RegisterOperationAction(_ => { }, OperationKind.Invocation))),
        ("type", new Empty(context => context.RegisterSymbolAction(_ => { }, SymbolKind.NamedType))),
        ("block", new Empty(context => context.RegisterOperationBlockAction(_ => { }))),
        // For an analyzer that leaves generated code to the driver (GeneratedCodeAnalysisFlags.None), the first
        // diagnostic reported in a file makes the driver walk that file for [GeneratedCode], and charges the walk to
        // the analyzer. This reports in the files where the rules do (the bug modules): what the rules would pay if
        // they did not tell generated code themselves (Knowledge/GeneratedCode).
        ("report-in-files-with-findings", new Empty(context => context.RegisterSymbolAction(
            symbol =>
            {
                if (symbol.Symbol.ContainingNamespace.Name == "Bugs")
                {
                    symbol.ReportDiagnostic(Diagnostic.Create(Descriptor, symbol.Symbol.Locations[0]));
                }
            },
            SymbolKind.NamedType))));

    private sealed class Empty(Action<AnalysisContext> register) : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptor);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            register(context);
        }
    }
}
