using System.Net.Sockets;
using System.Text.RegularExpressions;
using KmsService.Seed;
using Microsoft.AspNetCore.Connections;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KmsService.Hosting;

/// <summary>Turns whatever stopped start-up into the one line an operator reads after "KmsService cannot start: ":
/// what failed and what to check, without a stack trace, an exception type or a password.</summary>
internal static partial class StartupFailure
{
    // Linux errno values (IOException.HResult carries them in its low 16 bits on Unix).
    private const int NoSpaceLeft = 28;
    private const int ReadOnlyFileSystem = 30;

    // SQLite primary result codes (https://www.sqlite.org/rescode.html).
    private const int SqliteReadOnly = 8;
    private const int SqliteIoError = 10;
    private const int SqliteFull = 13;
    private const int SqliteCantOpen = 14;

    /// <summary>The line's text (after "KmsService cannot start: ").</summary>
    public static string Describe(Exception failure) => Redact(Classify(failure));

    private static string Classify(Exception failure)
    {
        // Known failures are found wherever they sit in the chain (EF Core, the host and Kestrel wrap them).
        foreach (var e in Chain(failure))
        {
            switch (e)
            {
                case StartupException or SeedFileException:
                    return e.Message;
                case IOException io when io.InnerException is AddressInUseException:
                    // Kestrel's "Failed to bind to address http://…: address already in use."
                    return $"{io.Message.TrimEnd('.')}: stop what uses it or choose another address with --urls.";
                case AddressInUseException:
                    return "the address to listen on is already in use: stop what uses it or choose another address with --urls.";
                case PostgresException pg:
                    return Describe(pg);
                case NpgsqlException npgsql:
                    return Describe(npgsql);
                case SqliteException sqlite:
                    return Describe(sqlite);
            }
        }

        foreach (var e in Chain(failure))
        {
            switch (e)
            {
                case IOException io when (io.HResult & 0xFFFF) == NoSpaceLeft:
                    return $"the disk is full ({io.Message.TrimEnd('.')}): free space for Kms:DataDir.";
                case IOException io when (io.HResult & 0xFFFF) == ReadOnlyFileSystem:
                    return $"the file system is read-only ({io.Message.TrimEnd('.')}): Kms:DataDir must be writable by the service's user.";
                case UnauthorizedAccessException denied:
                    return $"permission denied ({denied.Message.TrimEnd('.')}): Kms:DataDir must be writable by the service's user.";
                case IOException io:
                    return $"a file cannot be used: {io.Message}";
                case SocketException socket:
                    return $"a network operation failed: {socket.Message}";
            }
        }

        return $"unexpected failure: {failure.Message}";
    }

    private static string Describe(PostgresException pg) => pg.SqlState switch
    {
        // https://www.postgresql.org/docs/current/errcodes-appendix.html
        PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification =>
            $"PostgreSQL refused the login ({pg.MessageText}): check the user name and password in ConnectionStrings:Kms.",
        PostgresErrorCodes.InvalidCatalogName =>
            $"the PostgreSQL database does not exist ({pg.MessageText}): create it, or let the service's user create databases.",
        PostgresErrorCodes.InsufficientPrivilege =>
            $"PostgreSQL denied a permission the service needs ({pg.MessageText}): to create the database the user needs CREATEDB, to migrate it ownership of its schema.",
        PostgresErrorCodes.DiskFull =>
            $"PostgreSQL's disk is full ({pg.MessageText}).",
        PostgresErrorCodes.TooManyConnections or PostgresErrorCodes.CannotConnectNow =>
            $"PostgreSQL does not accept connections now ({pg.MessageText}).",
        _ => $"PostgreSQL refused a start-up statement ({pg.SqlState}: {pg.MessageText}).",
    };

    private static string Describe(NpgsqlException npgsql)
    {
        if (Chain(npgsql).OfType<SocketException>().FirstOrDefault() is { } socket)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "PostgreSQL is not listening at the host and port of ConnectionStrings:Kms (connection refused): start it, or fix Host/Port.",
                SocketError.HostNotFound or SocketError.TryAgain or SocketError.NoData => "the PostgreSQL host of ConnectionStrings:Kms cannot be resolved: fix Host.",
                _ => $"PostgreSQL cannot be reached at the host and port of ConnectionStrings:Kms ({socket.Message.TrimEnd('.')}).",
            };
        }

        return Chain(npgsql).Any(e => e is TimeoutException)
            ? "PostgreSQL did not answer in time at the host and port of ConnectionStrings:Kms (its Timeout): is it reachable?"
            : $"PostgreSQL cannot be used: {npgsql.Message}";
    }

    private static string Describe(SqliteException sqlite) => (sqlite.SqliteErrorCode & 0xFF) switch
    {
        SqliteReadOnly => "the embedded store is read-only: Kms:DataDir and kms.db must be writable by the service's user.",
        SqliteFull => "the disk is full: the embedded store cannot grow; free space for Kms:DataDir.",
        SqliteCantOpen => "the embedded store cannot be opened: Kms:DataDir must be a writable folder.",
        SqliteIoError => $"the embedded store cannot be read or written ({sqlite.Message.TrimEnd('.')}): check the disk under Kms:DataDir.",
        _ => $"the embedded store cannot be used ({sqlite.Message.TrimEnd('.')}).",
    };

    private static IEnumerable<Exception> Chain(Exception failure)
    {
        var pending = new Stack<Exception>([failure]);
        while (pending.TryPop(out var e))
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (e.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }

    // Defence in depth: no message above carries a connection string, but one that did would lose its password.
    private static string Redact(string message) =>
        PasswordSetting().Replace(message.ReplaceLineEndings(" "), "$1=***");

    [GeneratedRegex(@"(?i)\b(password|pwd)\s*=\s*[^;\s]*")]
    private static partial Regex PasswordSetting();
}
