using System.Collections.Immutable;
using Microsoft.CodeAnalysis.Diagnostics;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

/// <summary>Every analyzer the package ships, new instances, for the suites that run them all together.</summary>
public static class ShippedAnalyzers
{
    public static ImmutableArray<DiagnosticAnalyzer> Create()
        => typeof(DiagnosticIds).Assembly.GetTypes()
            .Where(type => typeof(DiagnosticAnalyzer).IsAssignableFrom(type) && !type.IsAbstract)
            .Select(type => (DiagnosticAnalyzer)Activator.CreateInstance(type)!)
            .ToImmutableArray();
}
