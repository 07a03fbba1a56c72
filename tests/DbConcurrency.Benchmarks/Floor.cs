using System.Collections.Immutable;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

// Test scaffolding, not a shipped analyzer: release tracking and the target-framework rule do not apply.
#pragma warning disable RS1041, RS2008

namespace DbConcurrency.Benchmarks;

/// <summary>
/// Analyzers that do nothing in the callbacks the rules register: what the driver itself charges a rule for
/// being called (its stopwatch, the delegate, the walk), the floor under any rule's figure.
/// </summary>
internal static class Floor
{
    private static readonly DiagnosticDescriptor Descriptor = new("FLOOR", "Floor", "Floor", "Floor", DiagnosticSeverity.Hidden, isEnabledByDefault: true);

    public static readonly ImmutableArray<(string Name, DiagnosticAnalyzer Analyzer)> Analyzers = ImmutableArray.Create<(string, DiagnosticAnalyzer)>(
        ("invocation", new OnInvocation()),
        ("type", new OnNamedType()),
        ("block", new OnOperationBlock()));

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class OnInvocation : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptor);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterOperationAction(_ => { }, OperationKind.Invocation);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class OnNamedType : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptor);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterSymbolAction(_ => { }, SymbolKind.NamedType);
        }
    }

    [DiagnosticAnalyzer(LanguageNames.CSharp)]
    private sealed class OnOperationBlock : DiagnosticAnalyzer
    {
        public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics => ImmutableArray.Create(Descriptor);

        public override void Initialize(AnalysisContext context)
        {
            context.EnableConcurrentExecution();
            context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
            context.RegisterOperationBlockAction(_ => { });
        }
    }
}
