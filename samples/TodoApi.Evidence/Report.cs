using System.Globalization;
using System.Text;

namespace TodoApi.Evidence;

/// <summary>One rule's scenario, run against the broken app and against its fixed twin.</summary>
public sealed record EvidenceRow(
    string Rule,
    string Scenario,
    string Database,
    int Operations,
    int BrokenFailures,
    int FixedFailures,
    string? BrokenExample,
    string? FixedExample,
    string? Skipped);

public static class Report
{
    public static string Table(IReadOnlyList<EvidenceRow> rows)
    {
        var builder = new StringBuilder();
        builder.AppendLine("| Rule | Scenario | Database | Operations | Failures (broken) | Failures (fixed) |");
        builder.AppendLine("|------|----------|----------|-----------:|------------------:|-----------------:|");
        foreach (var row in rows)
        {
            builder.AppendLine(row.Skipped is null
                ? string.Create(CultureInfo.InvariantCulture, $"| {row.Rule} | {row.Scenario} | {row.Database} | {row.Operations} | {row.BrokenFailures} | {row.FixedFailures} |")
                : $"| {row.Rule} | {row.Scenario} | {row.Database} | skipped: {row.Skipped} | | |");
        }

        builder.AppendLine();
        foreach (var row in rows)
        {
            if (row.BrokenExample is not null)
            {
                builder.AppendLine($"{row.Rule} broken, first failure: {row.BrokenExample}");
            }

            if (row.FixedExample is not null)
            {
                builder.AppendLine($"{row.Rule} FIXED, first failure: {row.FixedExample}");
            }
        }

        return builder.ToString();
    }

    /// <summary>One line per row, tab-separated, for the tests to read.</summary>
    public static string Tsv(IReadOnlyList<EvidenceRow> rows)
    {
        var builder = new StringBuilder();
        foreach (var row in rows)
        {
            builder.Append(CultureInfo.InvariantCulture, $"{row.Rule}\t{row.Database}\t{row.Operations}\t{row.BrokenFailures}\t{row.FixedFailures}\t{row.Skipped ?? "-"}\t{row.BrokenExample ?? "-"}\t{row.FixedExample ?? "-"}\n");
        }

        return builder.ToString();
    }
}
