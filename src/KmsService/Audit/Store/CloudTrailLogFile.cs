using System.Globalization;
using System.IO.Compression;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;

namespace KmsService.Audit.Store;

/// <summary>
/// Writes records as a CloudTrail log file, named and laid out as CloudTrail delivers them to S3 ("CloudTrail log file
/// name format", AWS CloudTrail User Guide): <c>AWSLogs/&lt;account&gt;/CloudTrail/&lt;region&gt;/YYYY/MM/DD/</c>
/// <c>&lt;account&gt;_CloudTrail_&lt;region&gt;_YYYYMMDDTHHmmZ_&lt;16 characters&gt;.json.gz</c>, the date and time being the
/// delivery's (UTC), the content <c>{"Records":[…]}</c> gzipped. A file is durable when <see cref="Write"/> returns: it
/// is written under a hidden temporary name, flushed to disk, renamed (atomic within a folder), and the folder (and
/// any folder created for it) flushed, so a reader never sees a partial file under a log file name.
/// </summary>
internal static class CloudTrailLogFile
{
    private const string UniqueChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>The file's path under the export folder, with '/' separators.</summary>
    public static string RelativePath(string account, string region, DateTimeOffset deliveredAt, string unique)
    {
        var at = deliveredAt.UtcDateTime;
        var day = at.ToString("yyyy'/'MM'/'dd", CultureInfo.InvariantCulture);
        var stamp = at.ToString("yyyyMMdd'T'HHmm'Z'", CultureInfo.InvariantCulture);
        return $"AWSLogs/{account}/CloudTrail/{region}/{day}/{account}_CloudTrail_{region}_{stamp}_{unique}.json.gz";
    }

    /// <summary>16 random letters and digits: the part of the name that keeps files from overwriting each other.</summary>
    public static string UniqueString() => RandomNumberGenerator.GetString(UniqueChars, 16);

    /// <summary>Writes <paramref name="records"/> (each a record's JSON, verbatim) as one durable log file; returns its
    /// full path.</summary>
    public static string Write(string folder, string account, string region, DateTimeOffset deliveredAt, IEnumerable<byte[]> records)
    {
        var root = Path.GetFullPath(folder);
        var path = Path.GetFullPath(Path.Combine(root, RelativePath(account, region, deliveredAt, UniqueString())));
        var dir = Path.GetDirectoryName(path)!;
        var created = CreateDirectories(root, dir);
        var temp = Path.Combine(dir, "." + Path.GetFileName(path) + ".tmp");
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                using (var gzip = new GZipStream(file, CompressionLevel.Optimal, leaveOpen: true))
                {
                    gzip.Write("{\"Records\":["u8);
                    var first = true;
                    foreach (var record in records)
                    {
                        if (!first)
                        {
                            gzip.Write(","u8);
                        }

                        gzip.Write(record);
                        first = false;
                    }

                    gzip.Write("]}"u8);
                }

                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: false);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }

        // The rename and any new folder are durable only once their parent folders are flushed.
        FlushDirectory(dir);
        foreach (var parent in created.Select(Path.GetDirectoryName).Distinct())
        {
            FlushDirectory(parent!);
        }

        return path;
    }

    /// <summary>The record's <c>awsRegion</c> if it is one (lower-case letters, digits, dashes), else null.</summary>
    public static string? RegionOf(ReadOnlySpan<byte> recordJson)
    {
        try
        {
            var reader = new Utf8JsonReader(recordJson);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isRegion = reader.ValueTextEquals("awsRegion"u8);
                reader.Read();
                if (isRegion)
                {
                    return reader.TokenType == JsonTokenType.String && reader.GetString() is { } region && IsPathSafe(region, lowerOnly: true) ? region : null;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
            // Not the record's to fail the export: it goes to the default region's file.
        }

        return null;
    }

    /// <summary>True for 1 to 64 letters, digits and dashes: a name that is one path segment and nothing else.</summary>
    public static bool IsPathSafe(string value, bool lowerOnly = false) =>
        value.Length is > 0 and <= 64 && value.All(c => char.IsAsciiDigit(c) || c == '-' || (lowerOnly ? char.IsAsciiLetterLower(c) : char.IsAsciiLetter(c)));

    // The folders created between root and dir, outermost first.
    private static List<string> CreateDirectories(string root, string dir)
    {
        var missing = new List<string>();
        for (var d = dir; !Directory.Exists(d) && d.Length > root.Length; d = Path.GetDirectoryName(d)!)
        {
            missing.Insert(0, d);
        }

        Directory.CreateDirectory(dir);
        return missing;
    }

    // fsync(2) of a folder, so that an entry created or renamed in it survives a crash. .NET opens no folder as a file;
    // on Windows a rename is journaled by NTFS and there is nothing to do.
    private static void FlushDirectory(string dir)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var fd = Open(dir, 0 /* O_RDONLY */);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {dir} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        }

        try
        {
            if (Fsync(fd) != 0)
            {
                throw new IOException($"Cannot flush {dir} (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    // DllImport rather than LibraryImport: the generated stubs need unsafe code, which the service does not allow.
    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Fsync(int fd);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
