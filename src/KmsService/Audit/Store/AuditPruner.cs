using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>
/// Retention (<c>Kms:Audit:RetentionDays</c>, off by default): deletes records older than the retention, oldest first,
/// so that the chain stays verifiable. It cuts only at a digest boundary (the hash it keeps was already signed), checks
/// the stretch it deletes first (never destroying the evidence of tampering), and in one transaction per chunk of at
/// most <c>PruneChunk</c> records writes a checkpoint signed by the HSA (the last pruned sequence and its hash), then
/// deletes the records and digests up to it. <see cref="AuditVerifier"/> starts after the newest checkpoint. With
/// export on, only records already exported (the export cursor) are pruned. Any number of instances may run it: the
/// chain head lock serializes pruners, and one that finds a newer checkpoint than the one it started from stops.
/// </summary>
internal sealed partial class AuditPruner(
    KmsDbFactory db, AuditVerifier verifier, IHsa hsa, AuditStoreOptions options, TimeProvider time, ILogger<AuditPruner> log,
    StoreOutage? outage = null) : BackgroundService
{
    /// <summary>How often the pruner looks for records past the retention.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>Prunes every chunk that is due; returns how many records were deleted (0 with retention off).</summary>
    public async Task<long> RunOnceAsync(CancellationToken ct)
    {
        if (options.RetentionDays <= 0)
        {
            return 0;
        }

        var total = 0L;
        while (!ct.IsCancellationRequested)
        {
            var deleted = await PruneChunkAsync(ct);
            if (deleted == 0)
            {
                break;
            }

            total += deleted;
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.RetentionDays <= 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Retried on the next tick; a store outage is the outage's to log (SweepService does the same).
                if (outage is null || !outage.Notice(e))
                {
                    LogPruneFailed(log, e);
                }
            }

            await Task.Delay(Interval, time, stoppingToken);
        }
    }

    private async Task<long> PruneChunkAsync(CancellationToken ct)
    {
        await using var ctx = db.Create();
        var now = time.GetUtcNow();
        var threshold = AuditHash.Truncate(now - TimeSpan.FromDays(options.RetentionDays));
        var newest = await ctx.AuditCheckpoints.AsNoTracking().OrderByDescending(c => c.ThroughSequence).FirstOrDefaultAsync(ct);
        var floor = newest?.ThroughSequence ?? 0;

        // INVARIANT: with export on, nothing beyond the export cursor is pruned (the cursor only grows, so reading it
        // before the transaction is conservative).
        var upper = long.MaxValue;
        if (options.ExportEnabled)
        {
            upper = await ctx.AuditExportCursor.AsNoTracking()
                .Where(c => c.Id == AuditExportCursorRow.TheId).Select(c => c.LastSequence).SingleAsync(ct);
        }

        var cut = await PickCutAsync(ctx, floor, upper, threshold, ct);
        if (cut is not { } through)
        {
            return 0;
        }

        var problem = await verifier.VerifyStretchAsync(ctx, floor, newest?.HeadHash ?? new byte[AuditHash.Length], through, ct);
        if (problem is not null)
        {
            LogRefused(log, floor + 1, through, problem);
            return 0;
        }

        var headHash = await ctx.AuditDigests.AsNoTracking().Where(d => d.LastSequence == through).Select(d => d.HeadHash).SingleAsync(ct);
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        await AuditChain.LockHeadAsync(ctx, ct);

        // Another instance pruned meanwhile: start again from its checkpoint on the next call.
        var again = await ctx.AuditCheckpoints.MaxAsync(c => (long?)c.ThroughSequence, ct) ?? 0;
        if (again != floor)
        {
            return 0;
        }

        var checkpoint = new AuditCheckpointRow { ThroughSequence = through, HeadHash = headHash, PrunedAt = AuditHash.Truncate(now), Signature = [] };
        checkpoint.Signature = hsa.SignAuditDigest(AuditHash.CheckpointContent(checkpoint));
        ctx.AuditCheckpoints.Add(checkpoint);
        await ctx.SaveChangesAsync(ct);
        var deleted = await ctx.AuditRecords.Where(r => r.Sequence > floor && r.Sequence <= through).ExecuteDeleteAsync(ct);
        await ctx.AuditDigests.Where(d => d.LastSequence <= through).ExecuteDeleteAsync(ct);
        await tx.CommitAsync(ct);
        LogPruned(log, deleted, floor + 1, through);
        return deleted;
    }

    // The last digest boundary after floor that ends at most PruneChunk records later (or the first one, if a digest
    // is longer than a chunk), is exported, and has no record younger than the retention before it.
    private async Task<long?> PickCutAsync(KmsDbContext ctx, long floor, long upper, DateTime threshold, CancellationToken ct)
    {
        var chunkEnd = Math.Min(upper, floor + Math.Max(1, options.PruneChunk));
        var digests = ctx.AuditDigests.AsNoTracking().Where(d => d.LastSequence > floor && d.LastSequence <= upper);
        var cut = await digests.Where(d => d.LastSequence <= chunkEnd).MaxAsync(d => (long?)d.LastSequence, ct)
            ?? await digests.MinAsync(d => (long?)d.LastSequence, ct);
        if (cut is null)
        {
            return null;
        }

        // Times need not grow with sequences (a call's time is taken before its record queues): every record up to the
        // cut must be past the retention, not only the last.
        var young = await ctx.AuditRecords.AsNoTracking()
            .Where(r => r.Sequence > floor && r.Sequence <= cut && r.EventTime >= threshold).MinAsync(r => (long?)r.Sequence, ct);
        return young is null ? cut : await digests.Where(d => d.LastSequence < young).MaxAsync(d => (long?)d.LastSequence, ct);
    }

    [LoggerMessage(EventId = EventIds.AuditPruned, Level = LogLevel.Information, Message = "Pruned {Count} audit records ({First}..{Through}) past the retention, under a signed checkpoint")]
    private static partial void LogPruned(ILogger logger, int count, long first, long through);

    [LoggerMessage(EventId = EventIds.AuditPruneRefused, Level = LogLevel.Warning, Message = "Audit records {First}..{Through} are past the retention but not pruned: they do not verify ({Problem}); run audit verify")]
    private static partial void LogRefused(ILogger logger, long first, long through, string problem);

    [LoggerMessage(EventId = EventIds.AuditPruneFailed, Level = LogLevel.Warning, Message = "Audit pruning failed; retrying on the next tick")]
    private static partial void LogPruneFailed(ILogger logger, Exception exception);
}
