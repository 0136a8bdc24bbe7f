using System.Data.Common;
using System.Globalization;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace KmsService.Audit.Store;

/// <summary>
/// Inserts audit rows and reads and writes the chain head with plain commands on one context's connection and
/// transaction, not through EF Core's change tracker: the chain is append-only and its rows are never read back by the
/// writer, and EF Core's per-entity work (tracking, snapshots of three byte arrays, one generated statement per row)
/// cost about a third of a millisecond per record, which group commit cannot amortize. On SQLite the statements are
/// prepared once per instance and reused for every batch while the connection stays open (the group-commit writer keeps
/// one instance on its own connection); PostgreSQL gets multi-row INSERTs, one round trip per
/// <see cref="PostgresRowsPerStatement"/> rows.
/// </summary>
internal sealed class AuditRowInserter(KmsDbContext db) : IAsyncDisposable
{
    private const int PostgresRowsPerStatement = 200;
    private const int Columns = 15;

    private const string Insert = """
        INSERT INTO audit_records ("Sequence", "EventId", "EventTime", "AccountId", "RecipientAccountId", "EventName",
            "Username", "AccessKeyId", "ResourceType", "ResourceName", "ReadOnly", "EventSource", "RecordJson", "PrevHash", "Hash")
        VALUES
        """;

    private const string ReadHead = "SELECT \"LastSequence\", \"LastHash\", \"LastDigestSequence\", \"LastDigestAt\" FROM audit_chain_head WHERE \"Id\" = 1";

    // How EF Core's SQLite provider writes a DateTime (TEXT): what its queries compare with, and read back.
    private const string SqliteDateTimeFormat = "yyyy-MM-dd HH:mm:ss.FFFFFFF";

    private static readonly string[] HeadParameters = ["s", "h", "d", "t"];

    private readonly bool _sqlite = !db.Database.IsNpgsql();
    private DbCommand? _insertOne;
    private DbCommand? _readHead;
    private DbCommand? _writeHead;

    /// <summary>The context whose connection and transaction the commands run on.</summary>
    public KmsDbContext Db { get; } = db;

    public async Task InsertAsync(IReadOnlyList<AuditRecordRow> rows, CancellationToken ct)
    {
        if (rows.Count == 0)
        {
            return;
        }

        if (!_sqlite)
        {
            for (var start = 0; start < rows.Count; start += PostgresRowsPerStatement)
            {
                var count = Math.Min(PostgresRowsPerStatement, rows.Count - start);
                await using var command = InsertCommand(count);
                command.Transaction = Transaction();
                for (var i = 0; i < count; i++)
                {
                    Bind(command, i * Columns, rows[start + i], sqlite: false);
                }

                await command.ExecuteNonQueryAsync(ct);
            }

            return;
        }

        // SQLite runs in this process: one prepared statement, executed once per row, costs no round trip.
        var single = Reuse(ref _insertOne, () => InsertCommand(1));
        foreach (var row in rows)
        {
            Bind(single, 0, row, sqlite: true);
            await single.ExecuteNonQueryAsync(ct);
        }
    }

    /// <summary>The chain head; on PostgreSQL its row lock is taken until the transaction ends (SQLite's write
    /// transaction already excludes every other writer).</summary>
    public async Task<AuditChainHeadRow?> ReadHeadAsync(CancellationToken ct)
    {
        var command = Reuse(ref _readHead, () => Command(_sqlite ? ReadHead : ReadHead + " FOR UPDATE"));
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

    public async Task WriteHeadAsync(AuditChainHeadRow head, CancellationToken ct)
    {
        var mark = _sqlite ? "$" : "@";
        var command = Reuse(ref _writeHead, () =>
        {
            var c = Command($"UPDATE audit_chain_head SET \"LastSequence\" = {mark}s, \"LastHash\" = {mark}h, \"LastDigestSequence\" = {mark}d, \"LastDigestAt\" = {mark}t WHERE \"Id\" = 1");
            foreach (var name in HeadParameters)
            {
                var parameter = c.CreateParameter();
                parameter.ParameterName = mark + name;
                c.Parameters.Add(parameter);
            }

            return c;
        });
        var p = command.Parameters;
        p[0].Value = head.LastSequence;
        p[1].Value = head.LastHash;
        p[2].Value = head.LastDigestSequence;
        var at = DateTime.SpecifyKind(head.LastDigestAt, DateTimeKind.Utc);
        p[3].Value = _sqlite ? at.ToString(SqliteDateTimeFormat, CultureInfo.InvariantCulture) : at;
        if (await command.ExecuteNonQueryAsync(ct) != 1)
        {
            throw new InvalidOperationException("The audit chain head row is missing: the store was not migrated, or the row was deleted.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var command in new[] { _insertOne, _readHead, _writeHead })
        {
            if (command is not null)
            {
                await command.DisposeAsync();
            }
        }

        _insertOne = _readHead = _writeHead = null;
    }

    // The command made once (prepared on SQLite, where a prepared statement lives as long as the open connection), bound
    // to the transaction now running.
    private DbCommand Reuse(ref DbCommand? cached, Func<DbCommand> create)
    {
        if (cached is null)
        {
            cached = create();
            if (_sqlite)
            {
                cached.Transaction = Transaction();
                cached.Prepare();
            }
        }

        cached.Transaction = Transaction();
        return cached;
    }

    private DbTransaction Transaction() => Db.Database.CurrentTransaction?.GetDbTransaction()
        ?? throw new InvalidOperationException("Audit rows and the chain head are written inside the chain head's transaction.");

    private DbCommand Command(string text)
    {
        var command = Db.Database.GetDbConnection().CreateCommand();
        command.CommandText = text;
        return command;
    }

    private DbCommand InsertCommand(int rows)
    {
        var command = Db.Database.GetDbConnection().CreateCommand();
        var text = new System.Text.StringBuilder(Insert, Insert.Length + (rows * Columns * 8));
        for (var r = 0; r < rows; r++)
        {
            text.Append(r == 0 ? " (" : ", (");
            for (var c = 0; c < Columns; c++)
            {
                var name = string.Create(CultureInfo.InvariantCulture, $"{(_sqlite ? "$" : "@")}p{(r * Columns) + c}");
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
