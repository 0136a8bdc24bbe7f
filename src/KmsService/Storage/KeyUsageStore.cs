using System.Globalization;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>One successful cryptographic use of a key: what GetKeyLastUsage reports. Compared by reference (the
/// tracker replaces an entry only by a newer one).</summary>
internal sealed class KeyUsage(string operation, long timestamp, Guid eventId, string requestId)
{
    public string Operation { get; } = operation;

    /// <summary>Unix time in milliseconds (the call's audit eventTime).</summary>
    public long Timestamp { get; } = timestamp;

    /// <summary>The call's audit record's eventID.</summary>
    public Guid EventId { get; } = eventId;

    public string RequestId { get; } = requestId;

    public static KeyUsage Newer(KeyUsage? a, KeyUsage? b) =>
        a is null ? b! : b is null || a.Timestamp >= b.Timestamp ? a : b;
}

/// <summary>The table of last uses (<c>key_last_usage</c>) and the date tracking began for this store
/// (<c>store_meta</c>). Writes only move a key's last use forward, so instances sharing one PostgreSQL may flush in any
/// order; a use of a key deleted meanwhile is dropped (the row would go with the key anyway).</summary>
internal sealed class KeyUsageStore(KmsDbFactory dbFactory, TimeProvider time)
{
    public const string Table = "key_last_usage";
    public const string TrackingStartMeta = "key_last_usage_tracking_start";

    // INSERT … SELECT … WHERE EXISTS: a key deleted since its use gets no row (the foreign key would refuse it).
    // SQLite's upsert needs the WHERE of the SELECT to parse; PostgreSQL takes the same statement.
    private const string UpsertSql = """
        INSERT INTO key_last_usage ("KeyArn", "Operation", "Timestamp", "CloudTrailEventId", "KmsRequestId")
        SELECT {0}, {1}, {2}, {3}, {4} WHERE EXISTS (SELECT 1 FROM keys WHERE "Arn" = {0})
        ON CONFLICT ("KeyArn") DO UPDATE SET
            "Operation" = excluded."Operation", "Timestamp" = excluded."Timestamp",
            "CloudTrailEventId" = excluded."CloudTrailEventId", "KmsRequestId" = excluded."KmsRequestId"
        WHERE excluded."Timestamp" > key_last_usage."Timestamp"
        """;

    // 0 until known; a long is written atomically on 64-bit platforms only, hence Volatile/Interlocked.
    private long _trackingStart;

    /// <summary>Writes <paramref name="batch"/> in one transaction: each row only where its timestamp is newer than the
    /// stored one, and only for a key that still exists.</summary>
    public async Task WriteAsync(IReadOnlyList<KeyValuePair<string, KeyUsage>> batch, CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        foreach (var (keyArn, usage) in batch)
        {
            await db.Database.ExecuteSqlRawAsync(
                UpsertSql,
                [keyArn, usage.Operation, usage.Timestamp, usage.EventId.ToString("D"), usage.RequestId],
                ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>The stored last use of a key, if any.</summary>
    public async Task<KeyUsage?> FindAsync(string keyArn, CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        var row = await db.KeyLastUsage.AsNoTracking().FirstOrDefaultAsync(u => u.KeyArn == keyArn, ct);
        return row is null ? null : new KeyUsage(row.Operation, row.Timestamp, Guid.Parse(row.CloudTrailEventId), row.KmsRequestId);
    }

    /// <summary>When this store began tracking key use (Unix milliseconds): recorded once, by the first instance to
    /// ask; a concurrent first instance's value wins if it was first.</summary>
    public async Task<long> TrackingStartAsync(CancellationToken ct)
    {
        var known = Volatile.Read(ref _trackingStart);
        if (known != 0)
        {
            return known;
        }

        await using var db = dbFactory.Create();
        var stored = await StoredStartAsync(db, ct);
        if (stored is null)
        {
            var now = time.GetUtcNow().ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);
            db.StoreMeta.Add(new StoreMetaRow { Name = TrackingStartMeta, Value = now });
            try
            {
                await db.SaveChangesAsync(ct);
                stored = now;
            }
            catch (DbUpdateException)
            {
                db.ChangeTracker.Clear();
                stored = await StoredStartAsync(db, ct)
                    ?? throw new InvalidOperationException("The key usage tracking start could not be recorded.");
            }
        }

        var value = long.Parse(stored, NumberStyles.None, CultureInfo.InvariantCulture);
        Interlocked.Exchange(ref _trackingStart, value);
        return value;
    }

    private static Task<string?> StoredStartAsync(KmsDbContext db, CancellationToken ct) =>
        db.StoreMeta.AsNoTracking().Where(m => m.Name == TrackingStartMeta).Select(m => m.Value).FirstOrDefaultAsync(ct);
}
