using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KmsService.Storage;

/// <summary>
/// Keeps read-only SQLite connections out of the pool. SQLite opens a file it may not write (read-only file or
/// folder, immutable file) read-only instead of failing, and Microsoft.Data.Sqlite pools that connection like any
/// other: writes through it then fail for minutes after the cause is gone. A connection found read-only when opened
/// serves its call (reads work) and marks the pool cleared, so it is closed rather than pooled when returned, and the
/// first write after the file is writable again opens a new connection.
/// </summary>
internal sealed class SqliteReadOnlyGuard : DbConnectionInterceptor
{
    public override void ConnectionOpened(DbConnection connection, ConnectionEndEventData eventData) => Check(connection);

    public override Task ConnectionOpenedAsync(DbConnection connection, ConnectionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Check(connection);
        return Task.CompletedTask;
    }

    private static void Check(DbConnection connection)
    {
        // sqlite3_db_readonly: 1 read-only, 0 read-write, -1 no such database.
        if (connection is SqliteConnection { Handle: { } handle } sqlite && SQLitePCL.raw.sqlite3_db_readonly(handle, "main") == 1)
        {
            SqliteConnection.ClearPool(sqlite);
        }
    }
}
