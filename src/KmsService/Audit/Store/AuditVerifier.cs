using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>The outcome of <see cref="AuditVerifier"/>: valid, or the first sequence found wrong and why.
/// <paramref name="PrunedThrough"/> is the newest checkpoint's last pruned sequence (0 when nothing was pruned); the
/// chain is checked from the record after it.</summary>
internal sealed record AuditVerification(bool Valid, long Records, int Digests, long? FirstBadSequence, string Message, long PrunedThrough = 0);

/// <summary>
/// Walks the chain from sequence 1, or from the record after the newest checkpoint (<see cref="AuditPruner"/>), and
/// checks every digest and checkpoint signature. Reports the first problem: a missing sequence (a deleted row, or a
/// pruned prefix whose checkpoint is gone), a row whose prev_hash is not its predecessor's hash (inserted or
/// re-linked), a row whose hash does not recompute (edited), a stretch that recomputes but no longer matches its signed
/// digest (edited and re-hashed), a digest or checkpoint whose signature fails (forged) or a missing digest, and rows
/// beyond the chain head (inserted at the end). It reads one snapshot, so a concurrent append or pruning is not
/// mistaken for tampering.
/// </summary>
/// <remarks>Records after the last digest are chained but not yet signed: someone who can write the database could
/// cut them off the end (and lower the head) unnoticed. <c>DigestEvery</c>/<c>DigestSeconds</c> bound that window.</remarks>
internal sealed class AuditVerifier(IHsa hsa)
{
    private const int PageSize = 1000;

    public async Task<AuditVerification> VerifyAsync(KmsDbContext db, CancellationToken ct)
    {
        await using var snapshot = await BeginSnapshotAsync(db, ct);
        var checkpoints = await db.AuditCheckpoints.AsNoTracking().OrderBy(c => c.ThroughSequence).ToListAsync(ct);
        foreach (var checkpoint in checkpoints)
        {
            if (!hsa.VerifyAuditDigest(AuditHash.CheckpointContent(checkpoint), checkpoint.Signature))
            {
                return Bad(0, 0, checkpoint.ThroughSequence, $"the checkpoint of pruned records 1..{checkpoint.ThroughSequence} has an invalid signature (forged or altered)");
            }
        }

        // INVARIANT: the pruner deletes records and digests up to a checkpoint in the checkpoint's transaction, so the
        // chain resumes right after the newest one, linked to its hash.
        var start = checkpoints.Count > 0 ? checkpoints[^1] : null;
        var through = start?.ThroughSequence ?? 0;
        var digests = await db.AuditDigests.AsNoTracking().Where(d => d.LastSequence > through).OrderBy(d => d.LastSequence).ToListAsync(ct);
        var covered = through;
        foreach (var digest in digests)
        {
            if (digest.FirstSequence != covered + 1)
            {
                return Bad(0, digests.Count, covered + 1, $"the digest covering records {covered + 1}.. is missing (a digest row was deleted or inserted)");
            }

            if (!hsa.VerifyAuditDigest(AuditHash.DigestContent(digest), digest.Signature))
            {
                return Bad(0, digests.Count, digest.FirstSequence, $"the digest of records {digest.FirstSequence}..{digest.LastSequence} has an invalid signature (forged or altered)");
            }

            covered = digest.LastSequence;
        }

        var byLast = digests.ToDictionary(d => d.LastSequence);
        var expected = through + 1;
        var prev = start?.HeadHash ?? new byte[AuditHash.Length];
        while (true)
        {
            var from = expected;
            var page = await db.AuditRecords.AsNoTracking()
                .Where(r => r.Sequence >= from).OrderBy(r => r.Sequence).Take(PageSize).ToListAsync(ct);
            foreach (var row in page)
            {
                if (row.Sequence != expected)
                {
                    return Bad(expected - 1, digests.Count, expected, $"record {expected} is missing (deleted); the next is {row.Sequence}");
                }

                if (!CryptographicOperations.FixedTimeEquals(row.PrevHash, prev))
                {
                    return Bad(expected - 1, digests.Count, expected, $"record {expected} does not link to record {expected - 1} (inserted, or its predecessor was replaced)");
                }

                var hash = AuditHash.Compute(prev, row);
                if (!CryptographicOperations.FixedTimeEquals(hash, row.Hash))
                {
                    return Bad(expected - 1, digests.Count, expected, $"record {expected} was edited (its content does not match its hash)");
                }

                if (byLast.TryGetValue(expected, out var digest) && !CryptographicOperations.FixedTimeEquals(digest.HeadHash, hash))
                {
                    return Bad(expected - 1, digests.Count, digest.FirstSequence, $"records {digest.FirstSequence}..{digest.LastSequence} do not match their signed digest (edited and re-hashed)");
                }

                prev = hash;
                expected++;
            }

            if (page.Count < PageSize)
            {
                break;
            }
        }

        var last = expected - 1;
        if (covered > last)
        {
            return Bad(last, digests.Count, last + 1, $"records {last + 1}..{covered} are missing (deleted), though a digest covers them");
        }

        var head = await db.AuditChainHead.AsNoTracking().SingleOrDefaultAsync(h => h.Id == AuditChainHeadRow.TheId, ct);
        if (head is null)
        {
            return Bad(last, digests.Count, null, "the chain head row is missing");
        }

        if (head.LastSequence > last)
        {
            return Bad(last, digests.Count, last + 1, $"records {last + 1}..{head.LastSequence} are missing (deleted from the end)");
        }

        if (head.LastSequence < last)
        {
            return Bad(last, digests.Count, head.LastSequence + 1, $"record {head.LastSequence + 1} is beyond the chain head (inserted)");
        }

        if (!CryptographicOperations.FixedTimeEquals(head.LastHash, prev))
        {
            return Bad(last, digests.Count, last, $"the chain head does not match record {last}");
        }

        var unsigned = last - covered;
        return new AuditVerification(true, last - through, digests.Count, null,
            $"valid: {last - through} records, {digests.Count} signed digests"
            + (unsigned > 0 ? $"; the last {unsigned} records are chained, not yet signed" : "")
            + (through > 0 ? $"; records 1..{through} pruned under a signed checkpoint" : ""),
            through);
    }

    /// <summary>Checks records <paramref name="after"/>+1..<paramref name="through"/> (a digest's last sequence): they
    /// follow each other from <paramref name="prevHash"/>, every hash recomputes, and the digests that end among them
    /// follow each other from <paramref name="after"/>+1, are validly signed and match. Returns the problem, or null.
    /// The pruner calls it before it deletes a stretch, so that it never destroys the evidence of tampering.</summary>
    public async Task<string?> VerifyStretchAsync(KmsDbContext db, long after, byte[] prevHash, long through, CancellationToken ct)
    {
        var digests = await db.AuditDigests.AsNoTracking()
            .Where(d => d.LastSequence > after && d.LastSequence <= through).OrderBy(d => d.LastSequence).ToListAsync(ct);
        var covered = after;
        foreach (var digest in digests)
        {
            if (digest.FirstSequence != covered + 1 || !hsa.VerifyAuditDigest(AuditHash.DigestContent(digest), digest.Signature))
            {
                return $"the digest covering records {covered + 1}.. is missing or not validly signed";
            }

            covered = digest.LastSequence;
        }

        if (covered != through)
        {
            return $"no signed digest ends at record {through}";
        }

        var byLast = digests.ToDictionary(d => d.LastSequence);
        var expected = after + 1;
        var prev = prevHash;
        while (expected <= through)
        {
            var from = expected;
            var page = await db.AuditRecords.AsNoTracking()
                .Where(r => r.Sequence >= from && r.Sequence <= through).OrderBy(r => r.Sequence).Take(PageSize).ToListAsync(ct);
            if (page.Count == 0)
            {
                return $"record {expected} is missing (deleted)";
            }

            foreach (var row in page)
            {
                var hash = AuditHash.Compute(prev, row);
                if (row.Sequence != expected || !CryptographicOperations.FixedTimeEquals(row.PrevHash, prev)
                    || !CryptographicOperations.FixedTimeEquals(hash, row.Hash)
                    || (byLast.TryGetValue(expected, out var digest) && !CryptographicOperations.FixedTimeEquals(digest.HeadHash, hash)))
                {
                    return $"record {expected} is missing, re-linked or edited";
                }

                prev = hash;
                expected++;
            }
        }

        return null;
    }

    // PostgreSQL: one repeatable-read snapshot. SQLite: a deferred transaction, which reads one snapshot of a WAL
    // database and takes no write lock (the verb opens the file read-only). Both are rolled back when disposed.
    private static async Task<IAsyncDisposable> BeginSnapshotAsync(KmsDbContext db, CancellationToken ct)
    {
        if (db.Database.IsNpgsql())
        {
            return await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        }

        await db.Database.OpenConnectionAsync(ct);
        var transaction = ((Microsoft.Data.Sqlite.SqliteConnection)db.Database.GetDbConnection()).BeginTransaction(deferred: true);
        await db.Database.UseTransactionAsync(transaction, ct);
        return new SqliteSnapshot(db, transaction);
    }

    private static AuditVerification Bad(long records, int digests, long? sequence, string message) =>
        new(false, records, digests, sequence, "tampered: " + message);

    private sealed class SqliteSnapshot(KmsDbContext db, System.Data.Common.DbTransaction transaction) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            // EF does not own a transaction it was handed: detach it, end it, and close the connection opened for it.
            await db.Database.UseTransactionAsync(null);
            await transaction.DisposeAsync();
            await db.Database.CloseConnectionAsync();
        }
    }
}
