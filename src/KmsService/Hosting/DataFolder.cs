namespace KmsService.Hosting;

/// <summary>The embedded store's folder (<c>Kms:DataDir</c>): created owner-only (0700), with the database and its
/// write-ahead log and shared-memory files readable by the service's user alone (0600).</summary>
internal static class DataFolder
{
    public const string DatabaseFile = "kms.db";

    private const UnixFileMode OwnerReadWrite = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode OwnerOnlyDirectory = OwnerReadWrite | UnixFileMode.UserExecute;

    // SQLite creates the -wal and -shm files with the database file's permissions; existing ones are narrowed too.
    private static readonly string[] StoreFiles = [DatabaseFile, DatabaseFile + "-wal", DatabaseFile + "-shm"];

    /// <summary>Creates the folder (0700) if it is missing, and the database file (0600) before SQLite opens it, so
    /// that neither is ever readable by other users; narrows existing store files to 0600.</summary>
    public static void Prepare(string dataDir)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDir);
            return;
        }

        // An existing folder is the operator's (it may be a mount point): only what this service creates is narrowed.
        Directory.CreateDirectory(dataDir, OwnerOnlyDirectory);
        foreach (var name in StoreFiles)
        {
            var path = Path.Combine(dataDir, name);
            if (File.Exists(path))
            {
                try
                {
                    File.SetUnixFileMode(path, OwnerReadWrite);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new StartupException($"The store file '{path}' cannot be restricted to the service's user (mode 0600): {e.Message}");
                }
            }
            else if (name == DatabaseFile)
            {
                try
                {
                    using var created = new FileStream(path, new FileStreamOptions
                    {
                        Mode = FileMode.CreateNew,
                        Access = FileAccess.Write,
                        UnixCreateMode = OwnerReadWrite,
                    });
                }
                catch (IOException) when (File.Exists(path))
                {
                    // Another instance created it first.
                }
            }
        }
    }
}
