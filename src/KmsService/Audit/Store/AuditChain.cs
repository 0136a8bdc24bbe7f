using KmsService.Core.Crypto;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>
/// Appends records to the store's one hash chain inside the caller's transaction, and signs a digest when one is due.
/// The chain head row is locked first (PostgreSQL: <c>SELECT … FOR UPDATE</c>, which PostgreSQL-compatible distributed
/// engines also offer, unlike advisory locks; SQLite: the transaction is <c>BEGIN IMMEDIATE</c>, so it already holds
/// the one write lock), so that appends from any number of instances are serialized: the lock is held until the
/// transaction ends, and the next append reads the head this one wrote.
/// </summary>
/// <remarks>
/// For a state change whose record must commit with it (CreateKey, ScheduleKeyDeletion, a rotation): begin a
/// transaction on the context, make the change, call <see cref="AppendAsync"/> last (the head lock is then held only
/// for the insert and the commit), and commit. Such an append does not go through <see cref="AuditWriter"/>.
/// </remarks>
internal sealed class AuditChain(IHsa hsa, TimeProvider time, AuditStoreOptions options)
{
    /// <summary>Appends <paramref name="entries"/> in order and saves; the caller commits.</summary>
    /// <exception cref="InvalidOperationException">The context has no transaction.</exception>
    public async Task AppendAsync(KmsDbContext db, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        await using var rows = new AuditRowInserter(db);
        await AppendAsync(rows, entries, ct);
    }

    /// <summary>Appends <paramref name="entries"/> in order with <paramref name="statements"/> (whose statements stay
    /// prepared for the next batch) and saves; the caller commits.</summary>
    /// <exception cref="InvalidOperationException">The context has no transaction.</exception>
    public async Task AppendAsync(AuditRowInserter statements, IReadOnlyList<AuditEntry> entries, CancellationToken ct)
    {
        var db = statements.Db;
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit records are appended inside a transaction, which holds the chain head lock until it commits.");
        }

        foreach (var entry in entries)
        {
            AuditEntryLimits.Validate(entry);
        }

        var head = await LockHeadAsync(statements, ct);
        var sequence = head.LastSequence;
        var prev = head.LastHash;
        var rows = new AuditRecordRow[entries.Count];
        for (var i = 0; i < rows.Length; i++)
        {
            rows[i] = ToRow(entries[i], ++sequence, prev);
            prev = rows[i].Hash;
        }

        // Whatever the caller's context tracks is saved first (a state change's rows), then the records.
        await db.SaveChangesAsync(ct);
        await statements.InsertAsync(rows, ct);
        head.LastSequence = sequence;
        head.LastHash = prev;
        if (AddDigestIfDue(db, head))
        {
            await db.SaveChangesAsync(ct);
        }

        await statements.WriteHeadAsync(head, ct);
    }

    /// <summary>Signs a digest of the records no digest covers yet, if they have waited long enough; the caller
    /// commits. Returns whether it did.</summary>
    public async Task<bool> DigestIfDueAsync(AuditRowInserter statements, CancellationToken ct)
    {
        var db = statements.Db;
        var head = await LockHeadAsync(statements, ct);
        if (!AddDigestIfDue(db, head))
        {
            return false;
        }

        await db.SaveChangesAsync(ct);
        await statements.WriteHeadAsync(head, ct);
        return true;
    }

    /// <summary>Reads the head and locks it until the transaction ends (the pruner takes it too).</summary>
    internal static async Task<AuditChainHeadRow> LockHeadAsync(KmsDbContext db, CancellationToken ct)
    {
        await using var statements = new AuditRowInserter(db);
        return await LockHeadAsync(statements, ct);
    }

    // Plain commands (see AuditRowInserter): the head is read and written back once per batch, and EF Core's query
    // pipeline cost more than the statements.
    private static async Task<AuditChainHeadRow> LockHeadAsync(AuditRowInserter statements, CancellationToken ct) =>
        await statements.ReadHeadAsync(ct)
            ?? throw new InvalidOperationException("The audit chain head row is missing: the store was not migrated, or the row was deleted.");

    private bool AddDigestIfDue(KmsDbContext db, AuditChainHeadRow head)
    {
        var uncovered = head.LastSequence - head.LastDigestSequence;
        if (uncovered <= 0)
        {
            return false;
        }

        var now = AuditHash.Truncate(time.GetUtcNow());
        var waited = now - DateTime.SpecifyKind(head.LastDigestAt, DateTimeKind.Utc);
        var due = uncovered >= options.DigestEvery
            || (options.DigestSeconds > 0 && waited >= TimeSpan.FromSeconds(options.DigestSeconds));
        if (!due)
        {
            return false;
        }

        var digest = new AuditDigestRow
        {
            FirstSequence = head.LastDigestSequence + 1,
            LastSequence = head.LastSequence,
            HeadHash = head.LastHash,
            CreatedAt = now,
            Signature = [],
        };
        digest.Signature = hsa.SignAuditDigest(AuditHash.DigestContent(digest));
        db.AuditDigests.Add(digest);
        head.LastDigestSequence = digest.LastSequence;
        head.LastDigestAt = now;
        return true;
    }

    private static AuditRecordRow ToRow(AuditEntry entry, long sequence, byte[] prevHash)
    {
        var row = new AuditRecordRow
        {
            Sequence = sequence,
            EventId = entry.EventId,
            EventTime = AuditHash.Truncate(entry.EventTime),
            AccountId = entry.AccountId,
            RecipientAccountId = entry.RecipientAccountId,
            EventName = entry.EventName,
            Username = entry.Username,
            AccessKeyId = entry.AccessKeyId,
            ResourceType = entry.ResourceType,
            ResourceName = entry.ResourceName,
            ReadOnly = entry.ReadOnly,
            EventSource = entry.EventSource,
            RecordJson = entry.RecordJson.ToArray(),
            PrevHash = prevHash,
            Hash = [],
        };
        row.Hash = AuditHash.Compute(prevHash, row);
        return row;
    }
}
