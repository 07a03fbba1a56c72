using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Analyzers.Tests.Verifiers;

internal static class TestCompilation
{
    /// <summary>Compiler warnings that test snippets trip by design (unused fields, nullable noise).</summary>
    public static readonly ImmutableDictionary<string, ReportDiagnostic> QuietWarnings = new Dictionary<string, ReportDiagnostic>
    {
        ["CS0169"] = ReportDiagnostic.Suppress,
        ["CS0414"] = ReportDiagnostic.Suppress,
        ["CS0649"] = ReportDiagnostic.Suppress,
        ["CS8618"] = ReportDiagnostic.Suppress,
        ["CS8600"] = ReportDiagnostic.Suppress,
        ["CS8602"] = ReportDiagnostic.Suppress,
        ["CS8603"] = ReportDiagnostic.Suppress,
        ["CS8604"] = ReportDiagnostic.Suppress,
        ["CS8625"] = ReportDiagnostic.Suppress,
        ["CS1998"] = ReportDiagnostic.Suppress,
    }.ToImmutableDictionary();
}
