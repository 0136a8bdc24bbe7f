using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>The outcome of <see cref="AuditVerifier"/>: valid, or the first sequence found wrong and why.</summary>
internal sealed record AuditVerification(bool Valid, long Records, int Digests, long? FirstBadSequence, string Message);

/// <summary>
/// Walks the chain from sequence 1 and checks every digest signature. Reports the first problem: a missing sequence
/// (a deleted row), a row whose prev_hash is not its predecessor's hash (inserted or re-linked), a row whose hash does
/// not recompute (edited), a stretch that recomputes but no longer matches its signed digest (edited and re-hashed),
/// a digest whose signature fails (forged) or that is missing, and rows beyond the chain head (inserted at the end).
/// </summary>
/// <remarks>Records after the last digest are chained but not yet signed: someone who can write the database could
/// cut them off the end (and lower the head) unnoticed. <c>DigestEvery</c>/<c>DigestSeconds</c> bound that window.</remarks>
internal sealed class AuditVerifier(IHsa hsa)
{
    private const int PageSize = 1000;

    public async Task<AuditVerification> VerifyAsync(KmsDbContext db, CancellationToken ct)
    {
        var digests = await db.AuditDigests.AsNoTracking().OrderBy(d => d.LastSequence).ToListAsync(ct);
        var covered = 0L;
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
        var expected = 1L;
        var prev = new byte[AuditHash.Length];
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
        return new AuditVerification(true, last, digests.Count, null,
            $"valid: {last} records, {digests.Count} signed digests" + (unsigned > 0 ? $"; the last {unsigned} records are chained, not yet signed" : ""));
    }

    private static AuditVerification Bad(long records, int digests, long? sequence, string message) =>
        new(false, records, digests, sequence, "tampered: " + message);
}
