using System.Net.Sockets;
using KmsService.Hosting;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace KmsService.Tests.Hosting;

/// <summary>What the one start-up line says for failures a process test cannot provoke here.</summary>
public sealed class StartupFailureTests
{
    [Fact]
    public void Describe_DatabaseThatCannotBeCreated_SaysWhatPermissionIsMissing()
    {
        var e = new InvalidOperationException("wrapped", new PostgresException("permission denied to create database", "ERROR", "ERROR", "42501"));
        Assert.Equal(
            "PostgreSQL denied a permission the service needs (permission denied to create database): to create the database the user needs CREATEDB, to migrate it ownership of its schema.",
            StartupFailure.Describe(e));
    }

    [Fact]
    public void Describe_DatabaseThatDoesNotExist_SaysSo()
    {
        var e = new PostgresException("database \"kms\" does not exist", "FATAL", "FATAL", "3D000");
        Assert.StartsWith("the PostgreSQL database does not exist", StartupFailure.Describe(e), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(13, "the disk is full")]
    [InlineData(8, "the embedded store is read-only")]
    [InlineData(14, "the embedded store cannot be opened")]
    public void Describe_SqliteFailure_NamesTheCause(int code, string expected)
    {
        Assert.StartsWith(expected, StartupFailure.Describe(new SqliteException("SQLite Error", code)), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_PostgresDiskFull_SaysSo()
    {
        var e = new PostgresException("could not extend file: No space left on device", "ERROR", "ERROR", "53100");
        Assert.StartsWith("PostgreSQL's disk is full", StartupFailure.Describe(e), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_NoSpaceLeftOnDevice_SaysTheDiskIsFull()
    {
        var e = new IOException("No space left on device : '/data/root.key'", 28);
        Assert.StartsWith("the disk is full", StartupFailure.Describe(e), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_ConnectionRefused_SaysPostgresIsNotListening()
    {
        var e = new NpgsqlException("Failed to connect to 127.0.0.1:1", new SocketException((int)SocketError.ConnectionRefused));
        Assert.StartsWith("PostgreSQL is not listening", StartupFailure.Describe(e), StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_MessageCarryingAPassword_RedactsIt()
    {
        var e = new InvalidOperationException("Bad value in Host=db;Password=hunter2;Username=kms\nsecond line");
        var line = StartupFailure.Describe(e);
        Assert.DoesNotContain("hunter2", line, StringComparison.Ordinal);
        Assert.Contains("Password=***", line, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', line);
    }
}
