using System.Net.Sockets;
using KmsService.Core.Errors;
using KmsService.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KmsService.Tests.Storage;

public sealed class StoreFaultsTests
{
    public static TheoryData<string, Exception, string> Cases => new()
    {
        { "connection refused", new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused)), "Unreachable" },
        { "command timeout", new NpgsqlException("Exception while reading from stream", new TimeoutException()), "Unreachable" },
        { "EF transient wrapper", new InvalidOperationException("An exception has been raised that is likely due to a transient failure.", new NpgsqlException("x", new SocketException())), "Unreachable" },
        { "save wrapper", new DbUpdateException("An error occurred while saving", new NpgsqlException("x", new TimeoutException())), "Unreachable" },
        { "server shutting down", new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", "57P01"), "Unreachable" },
        { "too many connections", new PostgresException("sorry, too many clients already", "FATAL", "FATAL", "53300"), "Unreachable" },
        { "connection failure", new PostgresException("connection failure", "FATAL", "FATAL", "08006"), "Unreachable" },
        { "disk full", new DbUpdateException("save", new PostgresException("could not extend file", "ERROR", "ERROR", "53100")), "Unwritable" },
        { "standby", new PostgresException("cannot execute INSERT in a read-only transaction", "ERROR", "ERROR", "25006"), "Unwritable" },
        { "sqlite busy", new SqliteException("database is locked", 5), "Unreachable" },
        { "sqlite read-only", new DbUpdateException("save", new SqliteException("attempt to write a readonly database", 8)), "Unwritable" },
        { "sqlite read-only, extended code", new SqliteException("attempt to write a readonly database", 8 | (3 << 8)), "Unwritable" },
        { "sqlite disk full", new SqliteException("database or disk is full", 13), "Unwritable" },
        { "sqlite I/O error", new SqliteException("disk I/O error", 10), "Unwritable" },
        { "plain timeout", new TimeoutException(), "Unreachable" },
        { "unique violation", new DbUpdateException("save", new PostgresException("duplicate key value", "ERROR", "ERROR", "23505")), "None" },
        { "sqlite constraint", new DbUpdateException("save", new SqliteException("UNIQUE constraint failed", 19)), "None" },
        { "sqlite corrupt", new SqliteException("database disk image is malformed", 11), "None" },
        { "a bug", new InvalidOperationException("Sequence contains no elements"), "None" },
        { "an argument", new ArgumentException("bad"), "None" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Classify_TellsOutagesFromBugs(string situation, Exception exception, string expected)
    {
        Assert.True(Enum.Parse<StoreFault>(expected) == StoreFaults.Classify(exception), situation);
    }

    [Fact]
    public void Answer_Unreachable_IsDependencyTimeoutWithTheModelsWording()
    {
        var answer = StoreFaults.Answer(StoreFault.Unreachable);

        Assert.IsType<DependencyTimeoutException>(answer);
        Assert.Equal(500, answer.HttpStatus);
        Assert.Equal("The system timed out while trying to fulfill the request. You can retry the request.", answer.Message);
    }

    [Fact]
    public void Answer_Unwritable_IsKmsInternal()
    {
        var answer = StoreFaults.Answer(StoreFault.Unwritable);

        Assert.IsType<KMSInternalException>(answer);
        Assert.Equal(500, answer.HttpStatus);
    }
}
