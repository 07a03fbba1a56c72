namespace DbConcurrency.Cli;

internal enum OutputFormat
{
    Text,
    Sarif,
    GitHub,
}

/// <summary>The command line: <c>scan &lt;path&gt; [--format text|sarif|github] [--output file] [--fix]</c>.</summary>
internal sealed class ScanOptions
{
    public const string Usage = "Usage: dbconcurrency scan <solution|project|folder> [--format text|sarif|github] [--output <file>] [--fix]";

    private ScanOptions(string path, OutputFormat format, string? output, bool fix)
    {
        Path = path;
        Format = format;
        Output = output;
        Fix = fix;
    }

    public string Path { get; }

    public OutputFormat Format { get; }

    /// <summary>Where the SARIF log (or the report) goes; the console when null.</summary>
    public string? Output { get; }

    public bool Fix { get; }

    public static bool TryParse(string[] args, out ScanOptions options, out string error)
    {
        options = null!;
        error = string.Empty;
        if (args.Length < 2 || args[0] != "scan")
        {
            error = args.Length > 0 && args[0] != "scan" ? $"Unknown command '{args[0]}'." : "Nothing to scan.";
            return false;
        }

        var format = OutputFormat.Text;
        string? output = null;
        var fix = false;
        for (var i = 2; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--format" when i + 1 < args.Length:
                    if (!Enum.TryParse(args[++i], ignoreCase: true, out format))
                    {
                        error = $"Unknown format '{args[i]}': use text, sarif or github.";
                        return false;
                    }

                    break;
                case "--output" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--fix":
                    fix = true;
                    break;
                default:
                    error = $"Unknown option '{args[i]}'.";
                    return false;
            }
        }

        options = new ScanOptions(args[1], format, output, fix);
        return true;
    }
}
