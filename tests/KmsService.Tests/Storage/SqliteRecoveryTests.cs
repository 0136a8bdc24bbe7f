using System.Diagnostics;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KmsService.Tests.Storage;

/// <summary>SQLite opens a file it may not write read-only instead of failing, and the pool kept such connections, so
/// writes failed for minutes after the file was writable again. Here the first write afterwards succeeds.</summary>
[Collection("sqlite")]
public sealed class SqliteRecoveryTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Write_AfterTheDatabaseFileWasReadOnly_SucceedsOnTheFirstTry()
    {
        await using var isolated = await Fixture.StartIsolatedAsync();
        var kms = isolated.Server.Client();
        await CreateKeyAsync(kms);
        var file = Path.Combine(isolated.Server.DataDir, DataFolder.DatabaseFile);

        using (ReadOnlyFile.Make(file))
        {
            // Connections opened from now on are read-only, as after a restart or when the pool grows.
            SqliteConnection.ClearAllPools();

            var refused = await Assert.ThrowsAsync<KMSInternalException>(() => CreateKeyAsync(kms));
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, refused.StatusCode);
            Assert.Equal("The request processing has failed because of an unknown error, exception or failure.", refused.Message);

            // Reads fail closed too (their audit records cannot be written), on connections that must not outlive the
            // cause.
            await Assert.ThrowsAsync<KMSInternalException>(() => kms.ListKeysAsync(new ListKeysRequest(), Ct));
        }

        await CreateKeyAsync(kms);
    }

    [Fact]
    public async Task Write_AfterTheDatabaseAndItsLogWereReadOnly_WhileServing_SucceedsOnTheFirstTry()
    {
        // While the service runs, with no pool emptied by hand: the connections the failing calls and the outage's
        // probes open meanwhile get a read-only write-ahead log, and must not serve the first write afterwards.
        await using var isolated = await Fixture.StartIsolatedAsync();
        var kms = isolated.Server.Client();
        await CreateKeyAsync(kms);
        var database = Path.Combine(isolated.Server.DataDir, DataFolder.DatabaseFile);

        using (ReadOnlyFile.Make(database))
        using (ReadOnlyFile.Make(database + "-wal"))
        using (ReadOnlyFile.Make(isolated.Server.DataDir))
        {
            var refused = await Assert.ThrowsAsync<KMSInternalException>(() => CreateKeyAsync(kms));
            Assert.Equal(System.Net.HttpStatusCode.InternalServerError, refused.StatusCode);
            await Task.Delay(StoreOutage.ProbeInterval * 3, Ct);
            await Assert.ThrowsAsync<KMSInternalException>(() => CreateKeyAsync(kms));
        }

        await CreateKeyAsync(kms);
        Assert.Equal(2, (await kms.ListKeysAsync(new ListKeysRequest(), Ct)).Keys.Count);
    }

    /// <summary>Makes a file unwritable for this process until disposed: a mode without write permission, or, for
    /// root (whom permissions do not stop), the immutable attribute (<c>chattr +i</c>), which stops root too. Skips
    /// where neither works (a file system without attributes).</summary>
    private sealed class ReadOnlyFile : IDisposable
    {
        private readonly string _path;
        private readonly UnixFileMode? _mode;

        private ReadOnlyFile(string path, UnixFileMode? mode)
        {
            _path = path;
            _mode = mode;
        }

        public static ReadOnlyFile Make(string path)
        {
            ReadOnlyFile made;
            if (OperatingSystem.IsWindows())
            {
                Assert.Skip("read-only files are made with Unix file modes or chattr here");
                return null!;
            }

            if (Environment.IsPrivilegedProcess)
            {
                Assert.SkipUnless(Run("chattr", "+i", path), "root ignores file modes, and chattr +i is not available here");
                made = new ReadOnlyFile(path, null);
            }
            else
            {
                var mode = File.GetUnixFileMode(path);
                File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                made = new ReadOnlyFile(path, mode);
            }

            try
            {
                using (File.Open(path, FileMode.Open, FileAccess.ReadWrite))
                {
                }

                made.Dispose();
                Assert.Skip("the file stayed writable for this process");
            }
            catch (Exception e) when (e is UnauthorizedAccessException or IOException)
            {
                // Unwritable, as wanted.
            }

            return made;
        }

        public void Dispose()
        {
            if (_mode is { } mode && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(_path, mode);
            }
            else
            {
                Assert.True(Run("chattr", "-i", _path), "chattr -i failed");
            }
        }

        private static bool Run(string command, params string[] args)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(command, args) { RedirectStandardError = true, RedirectStandardOutput = true })!;
                process.WaitForExit();
                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
