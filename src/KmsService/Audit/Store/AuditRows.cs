using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>One audit record in the hash chain (<c>audit_records</c>).</summary>
internal sealed class AuditRecordRow
{
    /// <summary>Position in the store's one chain, from 1, without gaps.</summary>
    public required long Sequence { get; set; }
    public required string EventId { get; set; }

    /// <summary>UTC, whole milliseconds (both providers keep them exactly, so the hash recomputes).</summary>
    public required DateTime EventTime { get; set; }
    public required string AccountId { get; set; }
    public string? RecipientAccountId { get; set; }
    public required string EventName { get; set; }
    public string? Username { get; set; }
    public string? AccessKeyId { get; set; }
    public string? ResourceType { get; set; }
    public string? ResourceName { get; set; }
    public required bool ReadOnly { get; set; }
    public required string EventSource { get; set; }
    public required byte[] RecordJson { get; set; }

    /// <summary>The previous row's <see cref="Hash"/> (32 zero bytes for sequence 1).</summary>
    public required byte[] PrevHash { get; set; }

    /// <summary>SHA-256(PrevHash || canonical content), see <see cref="AuditHash"/>.</summary>
    public required byte[] Hash { get; set; }
}

/// <summary>A signed statement that the chain's records <see cref="FirstSequence"/>..<see cref="LastSequence"/> end in
/// <see cref="HeadHash"/> (<c>audit_digests</c>); digests follow each other without gaps.</summary>
internal sealed class AuditDigestRow
{
    /// <summary>The last sequence covered; digests are keyed by it.</summary>
    public required long LastSequence { get; set; }
    public required long FirstSequence { get; set; }
    public required byte[] HeadHash { get; set; }

    /// <summary>UTC, whole milliseconds; signed.</summary>
    public required DateTime CreatedAt { get; set; }

    /// <summary>The HSA's signature of <see cref="AuditHash.DigestContent"/> of this row.</summary>
    public required byte[] Signature { get; set; }
}

/// <summary>The chain head (<c>audit_chain_head</c>, one row, id 1): every append locks it first, so that appends from
/// any number of instances are serialized into one chain.</summary>
internal sealed class AuditChainHeadRow
{
    public const int TheId = 1;

    public required int Id { get; set; }
    public required long LastSequence { get; set; }
    public required byte[] LastHash { get; set; }

    /// <summary>The last sequence a digest covers (0 before the first digest).</summary>
    public required long LastDigestSequence { get; set; }

    /// <summary>When the last digest was written (or the chain started), UTC.</summary>
    public required DateTime LastDigestAt { get; set; }
}

/// <summary>A signed statement that records 1..<see cref="ThroughSequence"/> were pruned (<c>audit_checkpoints</c>) and
/// that the last of them hashed to <see cref="HeadHash"/>: the verifier starts after the newest one, with that hash as
/// the previous hash. Written by <see cref="AuditPruner"/> in the transaction that deletes the records.</summary>
internal sealed class AuditCheckpointRow
{
    /// <summary>The last pruned sequence, always a digest's <see cref="AuditDigestRow.LastSequence"/>; the key.</summary>
    public required long ThroughSequence { get; set; }

    /// <summary>The hash of record <see cref="ThroughSequence"/> (the signed digest's head hash).</summary>
    public required byte[] HeadHash { get; set; }

    /// <summary>UTC, whole milliseconds; signed.</summary>
    public required DateTime PrunedAt { get; set; }

    /// <summary>The HSA's signature of <see cref="AuditHash.CheckpointContent"/> of this row.</summary>
    public required byte[] Signature { get; set; }
}

/// <summary>The export cursor (<c>audit_export_cursor</c>, one row, id 1): the last sequence whose log file is durable.
/// An exporter locks it for the whole round, so that one instance exports at a time.</summary>
internal sealed class AuditExportCursorRow
{
    public const int TheId = 1;

    public required int Id { get; set; }

    /// <summary>Every record up to this sequence is in a log file that was durable before this row was written.</summary>
    public required long LastSequence { get; set; }

    /// <summary>When the cursor last moved (or the migration seeded it), UTC.</summary>
    public required DateTime ExportedAt { get; set; }
}

/// <summary>The audit tables in the one EF Core model (called from <c>KmsDbContext.OnModelCreating</c>).</summary>
internal static class AuditModel
{
    public static void Configure(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<AuditRecordRow>(e =>
        {
            e.ToTable("audit_records");
            e.HasKey(r => r.Sequence);
            e.Property(r => r.Sequence).ValueGeneratedNever();
            e.Property(r => r.EventId).HasMaxLength(AuditEntryLimits.EventId);
            e.Property(r => r.AccountId).HasMaxLength(AuditEntryLimits.AccountId);
            e.Property(r => r.RecipientAccountId).HasMaxLength(AuditEntryLimits.AccountId);
            e.Property(r => r.EventName).HasMaxLength(AuditEntryLimits.EventName);
            e.Property(r => r.Username).HasMaxLength(AuditEntryLimits.Username);
            e.Property(r => r.AccessKeyId).HasMaxLength(AuditEntryLimits.AccessKeyId);
            e.Property(r => r.ResourceType).HasMaxLength(AuditEntryLimits.ResourceType);
            e.Property(r => r.ResourceName).HasMaxLength(AuditEntryLimits.ResourceName);
            e.Property(r => r.EventSource).HasMaxLength(AuditEntryLimits.EventSource);
            // INVARIANT: event ids are version 7 UUIDs (Guid.CreateVersion7: time first), so each insert lands on this
            // index's last pages; random ids cost a page read and a page write per record (bench/AUDIT-RESULTS.md).
            e.HasIndex(r => r.EventId).IsUnique();

            // LookupEvents: an account's events, newest first, optionally with one attribute.
            e.HasIndex(r => new { r.AccountId, r.EventTime });
            e.HasIndex(r => new { r.AccountId, r.EventName, r.EventTime });
            e.HasIndex(r => new { r.AccountId, r.Username, r.EventTime });
            e.HasIndex(r => new { r.AccountId, r.AccessKeyId, r.EventTime });
            e.HasIndex(r => new { r.AccountId, r.ResourceName, r.EventTime });
        });

        modelBuilder.Entity<AuditDigestRow>(e =>
        {
            e.ToTable("audit_digests");
            e.HasKey(d => d.LastSequence);
            e.Property(d => d.LastSequence).ValueGeneratedNever();
        });

        modelBuilder.Entity<AuditChainHeadRow>(e =>
        {
            e.ToTable("audit_chain_head");
            e.HasKey(h => h.Id);
            e.Property(h => h.Id).ValueGeneratedNever();

            // The head exists from the migration on, so that the first append has a row to lock.
            e.HasData(new AuditChainHeadRow
            {
                Id = AuditChainHeadRow.TheId,
                LastSequence = 0,
                LastHash = new byte[AuditHash.Length],
                LastDigestSequence = 0,
                LastDigestAt = DateTime.UnixEpoch,
            });
        });

        modelBuilder.Entity<AuditCheckpointRow>(e =>
        {
            e.ToTable("audit_checkpoints");
            e.HasKey(c => c.ThroughSequence);
            e.Property(c => c.ThroughSequence).ValueGeneratedNever();
        });

        modelBuilder.Entity<AuditExportCursorRow>(e =>
        {
            e.ToTable("audit_export_cursor");
            e.HasKey(c => c.Id);
            e.Property(c => c.Id).ValueGeneratedNever();

            // Like the chain head: the first exporter has a row to lock.
            e.HasData(new AuditExportCursorRow { Id = AuditExportCursorRow.TheId, LastSequence = 0, ExportedAt = DateTime.UnixEpoch });
        });
    }
}
