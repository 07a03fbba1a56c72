namespace DbConcurrency.Cli;

/// <summary>What to load: a solution or project as given, or the one solution (else the one project) in a folder.</summary>
internal static class Inputs
{
    public static string? Resolve(string path, out string error)
    {
        error = string.Empty;
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
        {
            if (full.EndsWith(".sln", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".slnx", StringComparison.OrdinalIgnoreCase) || full.EndsWith(".csproj", StringComparison.OrdinalIgnoreCase))
            {
                return full;
            }

            error = $"'{path}' is not a solution (.sln, .slnx) or C# project (.csproj).";
            return null;
        }

        if (!Directory.Exists(full))
        {
            error = $"'{path}' does not exist.";
            return null;
        }

        foreach (var pattern in new[] { "*.sln", "*.slnx", "*.csproj" })
        {
            var found = Directory.GetFiles(full, pattern);
            if (found.Length == 1)
            {
                return found[0];
            }

            if (found.Length > 1)
            {
                error = $"'{path}' holds several {pattern[1..]} files; name the one to scan.";
                return null;
            }
        }

        error = $"'{path}' holds no solution or C# project.";
        return null;
    }
}
