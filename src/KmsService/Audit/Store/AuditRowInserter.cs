using System.Data.Common;
using System.Globalization;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KmsService.Audit.Store;

/// <summary>
/// Inserts audit rows with plain commands on the context's connection and transaction, not through EF Core's change
/// tracker: the chain is append-only and its rows are never read back by the writer, and EF Core's per-entity work
/// (tracking, snapshots of three byte arrays, one generated statement per row) cost about a third of a millisecond per
/// record, which group commit cannot amortize. SQLite reuses one prepared statement for the batch; PostgreSQL gets
/// multi-row INSERTs, one round trip per <see cref="PostgresRowsPerStatement"/> rows.
/// </summary>
internal static class AuditRowInserter
{
    private const int PostgresRowsPerStatement = 200;
    private const int Columns = 15;

    private const string Insert = """
        INSERT INTO audit_records ("Sequence", "EventId", "EventTime", "AccountId", "RecipientAccountId", "EventName",
            "Username", "AccessKeyId", "ResourceType", "ResourceName", "ReadOnly", "EventSource", "RecordJson", "PrevHash", "Hash")
        VALUES
        """;

    // How EF Core's SQLite provider writes a DateTime (TEXT): what its queries compare with, and read back.
    private const string SqliteDateTimeFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    public static async Task InsertAsync(KmsDbContext db, IReadOnlyList<AuditRecordRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("Audit rows are inserted inside the chain head's transaction.");
        if (db.Database.IsNpgsql())
        {
            for (var start = 0; start < rows.Count; start += PostgresRowsPerStatement)
            {
                var count = Math.Min(PostgresRowsPerStatement, rows.Count - start);
                await using var command = Command(connection, transaction, count, sqlite: false);
                for (var i = 0; i < count; i++)
                {
                    Bind(command, i * Columns, rows[start + i], sqlite: false);
                }

                await command.ExecuteNonQueryAsync(ct);
            }

            return;
        }

        // SQLite runs in this process: one prepared statement, executed once per row, costs no round trip.
        await using var single = Command(connection, transaction, 1, sqlite: true);
        single.Prepare();
        foreach (var row in rows)
        {
            Bind(single, 0, row, sqlite: true);
            await single.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The chain head; on PostgreSQL with <paramref name="forUpdate"/> its row lock is taken until the
    /// transaction ends (SQLite's write transaction already excludes every other writer).</summary>
    public static async Task<AuditChainHeadRow?> ReadHeadAsync(KmsDbContext db, bool forUpdate, CancellationToken ct)
    {
        await using var command = HeadCommand(db,
            "SELECT \"LastSequence\", \"LastHash\", \"LastDigestSequence\", \"LastDigestAt\" FROM audit_chain_head WHERE \"Id\" = 1"
            + (forUpdate ? " FOR UPDATE" : ""));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        return new AuditChainHeadRow
        {
            Id = AuditChainHeadRow.TheId,
            LastSequence = reader.GetInt64(0),
            LastHash = (byte[])reader.GetValue(1),
            LastDigestSequence = reader.GetInt64(2),
            LastDigestAt = DateTime.SpecifyKind(reader.GetDateTime(3), DateTimeKind.Utc),
        };
    }

    public static async Task WriteHeadAsync(KmsDbContext db, AuditChainHeadRow head, CancellationToken ct)
    {
        var sqlite = !db.Database.IsNpgsql();
        var mark = sqlite ? "$" : "@";
        await using var command = HeadCommand(db,
            $"UPDATE audit_chain_head SET \"LastSequence\" = {mark}s, \"LastHash\" = {mark}h, \"LastDigestSequence\" = {mark}d, \"LastDigestAt\" = {mark}t WHERE \"Id\" = 1");
        Add(command, mark + "s", head.LastSequence);
        Add(command, mark + "h", head.LastHash);
        Add(command, mark + "d", head.LastDigestSequence);
        var at = DateTime.SpecifyKind(head.LastDigestAt, DateTimeKind.Utc);
        Add(command, mark + "t", sqlite ? at.ToString(SqliteDateTimeFormat, CultureInfo.InvariantCulture) : at);
        if (await command.ExecuteNonQueryAsync(ct) != 1)
        {
            throw new InvalidOperationException("The audit chain head row is missing: the store was not migrated, or the row was deleted.");
        }
    }

    private static DbCommand HeadCommand(KmsDbContext db, string text)
    {
        var command = db.Database.GetDbConnection().CreateCommand();
        command.Transaction = db.Database.CurrentTransaction?.GetDbTransaction()
            ?? throw new InvalidOperationException("The audit chain head is read and written inside a transaction.");
        command.CommandText = text;
        return command;
    }

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }

    private static DbCommand Command(DbConnection connection, DbTransaction transaction, int rows, bool sqlite)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var text = new System.Text.StringBuilder(Insert, Insert.Length + (rows * Columns * 8));
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? " (" : ", (");
            for (var c = 0; c < Columns; c++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{(sqlite ? "$" : "@")}p{(r * Columns) + c}");
                text.Append(c == 0 ? "" : ", ").Append(name);
                var parameter = command.CreateParameter();
                parameter.ParameterName = name;
                command.Parameters.Add(parameter);
            }

            text.Append(')');
        }

        command.CommandText = text.ToString();
        return command;
    }

    private static void Bind(DbCommand command, int first, AuditRecordRow row, bool sqlite)
    {
        var p = command.Parameters;
        p[first].Value = row.Sequence;
        p[first + 1].Value = row.EventId;
        p[first + 2].Value = sqlite ? row.EventTime.ToString(SqliteDateTimeFormat, CultureInfo.InvariantCulture) : row.EventTime;
        p[first + 3].Value = row.AccountId;
        p[first + 4].Value = (object?)row.RecipientAccountId ?? DBNull.Value;
        p[first + 5].Value = row.EventName;
        p[first + 6].Value = (object?)row.Username ?? DBNull.Value;
        p[first + 7].Value = (object?)row.AccessKeyId ?? DBNull.Value;
        p[first + 8].Value = (object?)row.ResourceType ?? DBNull.Value;
        p[first + 9].Value = (object?)row.ResourceName ?? DBNull.Value;
        p[first + 10].Value = row.ReadOnly;
        p[first + 11].Value = row.EventSource;
        p[first + 12].Value = row.RecordJson;
        p[first + 13].Value = row.PrevHash;
        p[first + 14].Value = row.Hash;
    }
}
