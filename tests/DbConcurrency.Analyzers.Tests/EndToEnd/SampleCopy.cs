namespace DbConcurrency.Analyzers.Tests.EndToEnd;

/// <summary>
/// The broken sample app with the analyzer sources it builds with, copied to a folder of its own, so tools that
/// rewrite files (dotnet format, dbconcurrency --fix) never touch the checkout.
/// </summary>
internal static class SampleCopy
{
    /// <summary>Copies into <paramref name="root"/> and returns the sample project's path there.</summary>
    public static string Create(string root)
    {
        foreach (var folder in new[] { "src", Path.Combine("samples", "TodoApi") })
        {
            var from = RepositoryRoot.Combine(folder);
            foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(from, file);
                if (relative.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj"))
                {
                    continue;
                }

                var target = Path.Combine(root, folder, relative);
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
        }

        foreach (var file in new[] { "Directory.Build.props", "Directory.Packages.props", ".editorconfig", Path.Combine("samples", "Directory.Build.props"), Path.Combine("src", "Directory.Build.props") })
        {
            File.Copy(RepositoryRoot.Combine(file), Path.Combine(root, file), overwrite: true);
        }

        return Path.Combine(root, "samples", "TodoApi", "TodoApi.csproj");
    }
}
