using System.Net.Sockets;
using KmsService.Core.Errors;
using KmsService.Protocol;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KmsService.Storage;

/// <summary>What kind of store failure an exception is, as far as the caller is concerned.</summary>
internal enum StoreFault
{
    /// <summary>Not a store outage: a bug, a constraint, a corrupt row. Logged with its stack trace.</summary>
    None,

    /// <summary>The store did not answer in time or could not be reached (connection refused or lost, a command
    /// timeout, a busy SQLite file, PostgreSQL shutting down or out of connections). Retrying later may work.</summary>
    Unreachable,

    /// <summary>The store answers but refuses writes: a full disk, a read-only file or folder, an I/O error, a
    /// PostgreSQL standby. Retrying works once an operator fixes the cause.</summary>
    Unwritable,
}

/// <summary>
/// The one place that tells a store outage from a bug: the exception (and what it wraps: EF Core's
/// <c>DbUpdateException</c> and "transient failure" <c>InvalidOperationException</c>, Npgsql's <c>NpgsqlException</c>)
/// is classified, and answered as AWS does when its dependencies fail: <c>DependencyTimeoutException</c> for a store
/// that does not answer, <c>KMSInternalException</c> for one that answers but cannot write. Both are faults the SDKs
/// retry.
/// </summary>
internal static class StoreFaults
{
    // The model's documentation of DependencyTimeoutException, word for word.
    private const string DependencyTimeoutMessage = "The system timed out while trying to fulfill the request. You can retry the request.";

    // SQLite primary result codes (https://www.sqlite.org/rescode.html).
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    // Deep enough for EF Core over Npgsql over a socket; guards against a cycle.
    private const int MaxDepth = 8;

    public static StoreFault Classify(Exception exception)
    {
        var e = exception;
        for (var depth = 0; e is not null && depth < MaxDepth; depth++, e = e.InnerException)
        {
            var fault = ClassifyOne(e);
            if (fault != StoreFault.None)
            {
                return fault;
            }
        }

        return StoreFault.None;
    }

    /// <summary>The AWS error a call that failed with <paramref name="fault"/> answers.</summary>
    public static KmsException Answer(StoreFault fault) => fault == StoreFault.Unwritable
        ? new KMSInternalException(KmsEndpoint.InternalErrorMessage)
        : new DependencyTimeoutException(DependencyTimeoutMessage);

    /// <summary>True for a SQLite error that a connection opened read-only (the file or folder was read-only when the
    /// pool opened it) keeps giving after the cause is gone.</summary>
    public static bool IsSqliteWriteFault(Exception exception)
    {
        var e = exception;
        for (var depth = 0; e is not null && depth < MaxDepth; depth++, e = e.InnerException)
        {
            if (e is SqliteException sqlite && (sqlite.SqliteErrorCode & 0xFF) is SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen)
            {
                return true;
            }
        }

        return false;
    }

    private static StoreFault ClassifyOne(Exception e) => e switch
    {
        // PostgreSQL answered with an error: only some SQLSTATEs are outages (https://www.postgresql.org/docs/current/errcodes-appendix.html).
        PostgresException pg => pg.SqlState switch
        {
            "53100" or "58030" or "25006" => StoreFault.Unwritable,             // disk_full, io_error, read_only_sql_transaction (a standby)
            "57P01" or "57P02" or "57P03" or "53300" => StoreFault.Unreachable, // shutting down, cannot connect now, too many connections
            _ when pg.SqlState.StartsWith("08", StringComparison.Ordinal) => StoreFault.Unreachable, // connection exception
            _ => StoreFault.None,
        },
        NpgsqlException { IsTransient: true } => StoreFault.Unreachable,
        SqliteException sqlite => (sqlite.SqliteErrorCode & 0xFF) switch
        {
            SqliteBusy or SqliteLocked => StoreFault.Unreachable,
            SqliteReadOnly or SqliteIoError or SqliteFull or SqliteCantOpen => StoreFault.Unwritable,
            _ => StoreFault.None,
        },
        TimeoutException or SocketException => StoreFault.Unreachable,
        _ => StoreFault.None,
    };
}
