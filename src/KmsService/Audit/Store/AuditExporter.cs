using KmsService.Hosting;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>
/// Export for log pipelines (<c>Kms:Audit:ExportFolder</c>, off by default): every <c>ExportSeconds</c>, writes the
/// store's records after the export cursor as CloudTrail log files (<see cref="CloudTrailLogFile"/>), one file per
/// account and region per round of at most <c>ExportMaxRecords</c> records, then advances the cursor.
/// </summary>
/// <remarks>
/// A round runs in one transaction that locks the cursor row (PostgreSQL: <c>SELECT … FOR UPDATE</c>, as
/// <see cref="AuditChain"/> locks the head; SQLite: <c>BEGIN IMMEDIATE</c>, the one write lock, which a round holds
/// while it writes its files), so one instance exports at a time and none reads a cursor another is about to move.
/// The cursor moves, in that transaction, only once every file of the round is durable: delivery is at least once. A
/// crash between the files and the commit leaves them in place, and the next round writes the same records again, in
/// files of the same accounts and regions under new names (consumers drop duplicates by <c>eventID</c>). Without a
/// crash no record is exported twice.
/// </remarks>
internal sealed partial class AuditExporter(
    KmsDbFactory db, AuditStoreOptions options, string defaultRegion, TimeProvider time, ILogger<AuditExporter> log,
    StoreOutage? outage = null) : BackgroundService
{
    /// <summary>Exports every record after the cursor; returns the files written (none with export off).</summary>
    public async Task<IReadOnlyList<string>> RunOnceAsync(CancellationToken ct)
    {
        var files = new List<string>();
        if (!options.ExportEnabled)
        {
            return files;
        }

        while (!ct.IsCancellationRequested && await ExportRoundAsync(files, ct))
        {
        }

        return files;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.ExportEnabled)
        {
            return;
        }

        var period = TimeSpan.FromSeconds(Math.Max(1, options.ExportSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Retried on the next tick, from the cursor; a store outage is the outage's to log.
                if (outage is null || !outage.Notice(e))
                {
                    LogExportFailed(log, e);
                }
            }

            await Task.Delay(period, time, stoppingToken);
        }
    }

    // One round; returns whether it was full (more records may wait).
    private async Task<bool> ExportRoundAsync(List<string> files, CancellationToken ct)
    {
        var max = Math.Max(1, options.ExportMaxRecords);
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        var cursor = await LockCursorAsync(ctx, ct);

        // INVARIANT: sequences commit in order (each append holds the chain head lock until its commit), so no record
        // below one read here can commit later and be skipped by the cursor.
        var rows = await ctx.AuditRecords.AsNoTracking()
            .Where(r => r.Sequence > cursor).OrderBy(r => r.Sequence).Take(max)
            .Select(r => new { r.Sequence, r.AccountId, r.RecordJson })
            .ToListAsync(ct);
        if (rows.Count == 0)
        {
            return false;
        }

        var now = time.GetUtcNow();
        var groups = rows.GroupBy(r => (Account: PathSegment(r.AccountId), Region: CloudTrailLogFile.RegionOf(r.RecordJson) ?? defaultRegion));
        foreach (var group in groups)
        {
            var records = group.Select(r => r.RecordJson).ToList();
            var path = CloudTrailLogFile.Write(options.ExportFolder!, group.Key.Account, group.Key.Region, now, records);
            files.Add(path);
            LogExported(log, records.Count, path);
        }

        var last = rows[^1].Sequence;
        await ctx.AuditExportCursor.Where(c => c.Id == AuditExportCursorRow.TheId).ExecuteUpdateAsync(s => s
            .SetProperty(c => c.LastSequence, last)
            .SetProperty(c => c.ExportedAt, AuditHash.Truncate(now)), ct);
        await tx.CommitAsync(ct);
        return rows.Count == max;
    }

    private static async Task<long> LockCursorAsync(KmsDbContext ctx, CancellationToken ct)
    {
        var query = ctx.Database.IsNpgsql()
            ? ctx.AuditExportCursor.FromSqlRaw("SELECT * FROM audit_export_cursor WHERE \"Id\" = {0} FOR UPDATE", AuditExportCursorRow.TheId)
            : ctx.AuditExportCursor.Where(c => c.Id == AuditExportCursorRow.TheId);
        var row = await query.AsNoTracking().SingleOrDefaultAsync(ct)
            ?? throw new InvalidOperationException("The audit export cursor row is missing: the store was not migrated, or the row was deleted.");
        return row.LastSequence;
    }

    // Account ids are 12 digits; anything else must still be one folder name, never a path.
    private static string PathSegment(string account) =>
        CloudTrailLogFile.IsPathSafe(account) ? account
        : account.Length == 0 ? "unknown" : string.Concat(account.Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_'));

    [LoggerMessage(EventId = EventIds.AuditExported, Level = LogLevel.Debug, Message = "Exported {Count} audit records to {Path}")]
    private static partial void LogExported(ILogger logger, int count, string path);

    [LoggerMessage(EventId = EventIds.AuditExportFailed, Level = LogLevel.Warning, Message = "Audit export failed; retrying on the next tick from the export cursor")]
    private static partial void LogExportFailed(ILogger logger, Exception exception);
}
