namespace Gateway.Tests.Support;

/// <summary>Folders of the repository, found from the test binary so tests read the real files, not copies.</summary>
public static class RepoPaths
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The folder that holds Gateway.sln.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The message content folder, templates/ at the repository root.</summary>
    public static string Templates => Path.Combine(Root, "templates");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Gateway.sln")))
                return dir.FullName;
        throw new DirectoryNotFoundException($"No folder above {AppContext.BaseDirectory} contains Gateway.sln");
    }
}
