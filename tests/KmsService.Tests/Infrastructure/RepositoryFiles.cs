namespace KmsService.Tests.Infrastructure;

/// <summary>Files of the repository the tests run from (the folder holding KmsService.sln above the test binaries).</summary>
public static class RepositoryFiles
{
    public static string Root { get; } = FindRoot();

    /// <summary>The full path of a repository-relative path (<c>/</c>-separated).</summary>
    public static string PathOf(string relative) => Path.Combine([Root, .. relative.Split('/', StringSplitOptions.RemoveEmptyEntries)]);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KmsService.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root (KmsService.sln) is not above the test binaries.");
    }
}
