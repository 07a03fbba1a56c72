using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.CodeAnalysis;

namespace DbConcurrency.Cli;

/// <summary>The findings as people read them (grouped by rule), as GitHub Actions annotations, or as a SARIF 2.1 log.</summary>
internal static class Report
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    public static async Task WriteAsync(OutputFormat format, IReadOnlyList<Diagnostic> findings, ImmutableArray<DiagnosticDescriptor> rules, string? outputPath, TextWriter console)
    {
        var text = format switch
        {
            OutputFormat.Sarif => Sarif(findings, rules),
            OutputFormat.GitHub => GitHub(findings),
            _ => Text(findings, rules),
        };

        if (outputPath is null)
        {
            await console.WriteAsync(text);
            return;
        }

        await File.WriteAllTextAsync(outputPath, text);
        await console.WriteLineAsync($"{findings.Count} finding(s) written to {outputPath}");
    }

    private static string Text(IReadOnlyList<Diagnostic> findings, ImmutableArray<DiagnosticDescriptor> rules)
    {
        var writer = new StringWriter();
        if (findings.Count == 0)
        {
            writer.WriteLine("No findings.");
            return writer.ToString();
        }

        foreach (var group in findings.GroupBy(d => d.Id))
        {
            var rule = rules.First(r => r.Id == group.Key);
            writer.WriteLine($"{group.Key}: {rule.Title} ({group.Count()})");
            writer.WriteLine($"  {rule.HelpLinkUri}");
            foreach (var finding in group)
            {
                writer.WriteLine($"  {ScanCommand.Describe(finding)}: {finding.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}");
            }

            writer.WriteLine();
        }

        writer.WriteLine($"{findings.Count} finding(s).");
        return writer.ToString();
    }

    private static string GitHub(IReadOnlyList<Diagnostic> findings)
    {
        var writer = new StringWriter();
        foreach (var finding in findings)
        {
            var span = finding.Location.GetLineSpan();
            var level = finding.Severity == DiagnosticSeverity.Error ? "error" : "warning";
            writer.WriteLine($"::{level} file={EscapeProperty(ScanCommand.ShortPath(span.Path))},line={span.StartLinePosition.Line + 1},col={span.StartLinePosition.Character + 1},title={finding.Id}::{EscapeData(finding.GetMessage(System.Globalization.CultureInfo.InvariantCulture))}");
        }

        return writer.ToString();
    }

    /// <summary>A workflow command's message ends at a newline.</summary>
    private static string EscapeData(string value)
        => value.Replace("%", "%25", StringComparison.Ordinal).Replace("\r", "%0D", StringComparison.Ordinal).Replace("\n", "%0A", StringComparison.Ordinal);

    /// <summary>Its properties also split at commas and colons.</summary>
    private static string EscapeProperty(string value)
        => EscapeData(value).Replace(":", "%3A", StringComparison.Ordinal).Replace(",", "%2C", StringComparison.Ordinal);

    private static string Sarif(IReadOnlyList<Diagnostic> findings, ImmutableArray<DiagnosticDescriptor> rules)
    {
        var log = new
        {
            version = "2.1.0",
            schema = "https://json.schemastore.org/sarif-2.1.0.json",
            runs = new[]
            {
                new
                {
                    tool = new
                    {
                        driver = new
                        {
                            name = "DbConcurrency.Analyzers",
                            informationUri = rules.IsEmpty ? null : rules[0].HelpLinkUri,
                            rules = rules.Select(r => new
                            {
                                id = r.Id,
                                shortDescription = new { text = r.Title.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                                fullDescription = new { text = r.Description.ToString(System.Globalization.CultureInfo.InvariantCulture) },
                                helpUri = r.HelpLinkUri,
                            }).ToArray(),
                        },
                    },
                    results = findings.Select(f =>
                    {
                        var span = f.Location.GetLineSpan();
                        return new
                        {
                            ruleId = f.Id,
                            level = f.Severity == DiagnosticSeverity.Error ? "error" : "warning",
                            message = new { text = f.GetMessage(System.Globalization.CultureInfo.InvariantCulture) },
                            locations = new[]
                            {
                                new
                                {
                                    physicalLocation = new
                                    {
                                        artifactLocation = new { uri = new Uri(span.Path).AbsoluteUri },
                                        region = new
                                        {
                                            startLine = span.StartLinePosition.Line + 1,
                                            startColumn = span.StartLinePosition.Character + 1,
                                            endLine = span.EndLinePosition.Line + 1,
                                            endColumn = span.EndLinePosition.Character + 1,
                                        },
                                    },
                                },
                            },
                        };
                    }).ToArray(),
                },
            },
        };

        var json = JsonSerializer.Serialize(log, JsonOptions);
        return json.Replace("\"schema\":", "\"$schema\":", StringComparison.Ordinal);
    }
}
