using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>What a ReplicateKey attempt did.</summary>
internal enum ReplicateOutcome
{
    Replicated,

    /// <summary>The primary was not an Enabled primary key when the replication tried to claim it (changed since read).</summary>
    PrimaryChanged,

    /// <summary>The replica region has a key of that id already.</summary>
    AlreadyExists,
}

/// <summary>Writes of multi-Region keys: replicas, primary Region updates, and the end of the transient states they go
/// through. Every write first claims the primary's row (a conditional UPDATE, as <see cref="RotationStore"/> does), so
/// replications, rotations, primary updates and deletions of one multi-Region key run one after another; every related
/// key is published on the change feed, because each lists the others in its MultiRegionConfiguration.</summary>
internal sealed class MultiRegionStore(KmsDbFactory db, KeyStore keys)
{
    private const int MaxAttempts = 10;

    /// <summary>Creates <paramref name="replica"/> (state Creating, type REPLICA) in one transaction, with the call's record
    /// and the record of the replica region (<paramref name="replicaRegionRecord"/>), and a copy of every
    /// backing key of <paramref name="primaryArn"/>, each re-wrapped by <paramref name="rewrap"/> for the replica's ARN
    /// and keeping its place in the chain, so ListKeyRotations shows the same history in both regions.</summary>
    public async Task<ReplicateOutcome> ReplicateAsync(
        string primaryArn, NewKey replica, Func<WrappedBackingKey, WrappedBackingKey> rewrap, AuditInTransaction? audit,
        AuditInTransaction? replicaRegionRecord, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        var enabled = nameof(KeyState.Enabled);
        var primaryType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Primary);
        var claimed = await ctx.Keys
            .Where(k => k.Arn == primaryArn && k.KeyState == enabled && k.MultiRegionKeyType == primaryType)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct);
        if (claimed == 0)
        {
            return ReplicateOutcome.PrimaryChanged;
        }

        var primary = await ctx.Keys.AsNoTracking().FirstAsync(k => k.Arn == primaryArn, ct);
        if (await ctx.Keys.AnyAsync(k => k.Arn == replica.Key.Arn, ct))
        {
            return ReplicateOutcome.AlreadyExists;
        }

        var row = KeyStore.ToRow(replica.Key with { CurrentMaterialId = primary.CurrentMaterialId }, replica.Policy);
        ctx.Keys.Add(row);
        var chain = await ctx.BackingKeys.AsNoTracking().Where(b => b.KeyArn == primaryArn).OrderBy(b => b.Sequence).ToListAsync(ct);
        foreach (var backing in chain)
        {
            // INVARIANT: only AWS_KMS keys are multi-Region (CreateKey refuses EXTERNAL ones), so every backing key has material.
            var wrapped = backing.Wrapped ?? throw new InvalidOperationException($"Backing key {backing.MaterialId} of {primaryArn} has no material to replicate.");
            var copy = rewrap(new WrappedBackingKey(backing.MaterialId, wrapped));
            ctx.BackingKeys.Add(new BackingKeyRow
            {
                KeyArn = replica.Key.Arn,
                MaterialId = copy.MaterialId,
                Sequence = backing.Sequence,
                Wrapped = copy.Wrapped,
                CreatedAt = backing.CreatedAt,
                RotationType = backing.RotationType,
            });
        }

        foreach (var (tagKey, tagValue) in replica.Tags)
        {
            ctx.Tags.Add(new TagRow { KeyArn = replica.Key.Arn, TagKey = tagKey, TagValue = tagValue });
        }

        await ctx.SaveChangesAsync(ct);
        var related = await KeyStore.RelatedKeysAsync(ctx, primary, ct);
        await keys.PublishKeyChangesAsync(ctx, related.Select(r => r.Arn), ct);
        await AuditInTransaction.CommitAsync(tx, ctx, audit, replicaRegionRecord, ct);
        foreach (var r in related)
        {
            keys.Invalidate(r.Arn);
        }

        return ReplicateOutcome.Replicated;
    }

    /// <summary>UpdatePrimaryRegion: in one transaction the primary becomes a replica and <paramref name="newPrimaryArn"/>
    /// the primary, both in state Updating, and the automatic-rotation schedule (a shared property, kept on the primary)
    /// moves to the new primary. <paramref name="check"/> sees the fresh primary and replica and throws to refuse; a
    /// concurrent change of either makes it run again on what was written.</summary>
    public async Task UpdatePrimaryRegionAsync(
        string primaryArn, string newPrimaryArn, Action<KmsKey, KmsKey> check, AuditInTransaction? audit, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var ctx = db.Create();
            var primary = await ctx.Keys.FirstOrDefaultAsync(k => k.Arn == primaryArn, ct)
                ?? throw new NotFoundException($"Key '{primaryArn}' does not exist");
            var replica = await ctx.Keys.FirstOrDefaultAsync(k => k.Arn == newPrimaryArn, ct)
                ?? throw new NotFoundException($"Key '{newPrimaryArn}' does not exist");
            check(KeyStore.ToKey(primary), KeyStore.ToKey(replica));

            var updating = nameof(KeyState.Updating);
            replica.MultiRegionKeyType = primary.MultiRegionKeyType;
            replica.KeyState = updating;
            replica.RotationEnabled = primary.RotationEnabled;
            replica.RotationPeriodInDays = primary.RotationPeriodInDays;
            replica.NextRotationDate = primary.NextRotationDate;
            replica.Version++;
            primary.MultiRegionKeyType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Replica);
            primary.KeyState = updating;
            primary.RotationEnabled = false;
            primary.RotationPeriodInDays = null;
            primary.NextRotationDate = null;
            primary.Version++;
            try
            {
                await using var tx = await ctx.Database.BeginTransactionAsync(ct);
                await ctx.SaveChangesAsync(ct);
                var related = await KeyStore.RelatedKeysAsync(ctx, primary, ct);
                await keys.PublishKeyChangesAsync(ctx, related.Select(r => r.Arn), ct);
                await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
                foreach (var r in related)
                {
                    keys.Invalidate(r.Arn);
                }

                return;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
            {
                // Someone else changed one of the keys first: check again on what they wrote.
            }
        }
    }

    /// <summary>Keys in a transient multi-Region state (Creating, Updating), oldest first.</summary>
    public async Task<IReadOnlyList<string>> ListTransientAsync(int max, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var creating = nameof(KeyState.Creating);
        var updating = nameof(KeyState.Updating);
        return await ctx.Keys.AsNoTracking()
            .Where(k => k.KeyState == creating || k.KeyState == updating)
            .OrderBy(k => k.CreationDate)
            .Take(max)
            .Select(k => k.Arn)
            .ToListAsync(ct);
    }

    /// <summary>Ends a transient state: a replica whose creation committed (with its key material) and a key whose
    /// primary Region update committed become Enabled. Claimed with a conditional UPDATE, so a key another instance
    /// finished, or scheduled for deletion meanwhile, is left alone. Returns whether this call changed it.</summary>
    public async Task<bool> FinishTransientAsync(string arn, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        var creating = nameof(KeyState.Creating);
        var updating = nameof(KeyState.Updating);
        var enabled = nameof(KeyState.Enabled);
        var done = await ctx.Keys
            .Where(k => k.Arn == arn && (k.KeyState == creating || k.KeyState == updating))
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.KeyState, enabled).SetProperty(k => k.Version, k => k.Version + 1), ct);
        if (done == 0)
        {
            return false;
        }

        await keys.PublishKeyChangesAsync(ctx, [arn], ct);
        await tx.CommitAsync(ct);
        keys.Invalidate(arn);
        return true;
    }

    /// <summary>Primary keys in state PendingReplicaDeletion that have no replica left.</summary>
    public async Task<IReadOnlyList<string>> ListPrimariesWithoutReplicasAsync(int max, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var waiting = nameof(KeyState.PendingReplicaDeletion);
        var replicaType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Replica);
        return await ctx.Keys.AsNoTracking()
            .Where(k => k.KeyState == waiting
                && !ctx.Keys.Any(r => r.AccountId == k.AccountId && r.KeyId == k.KeyId && r.MultiRegionKeyType == replicaType))
            .Take(max)
            .Select(k => k.Arn)
            .ToListAsync(ct);
    }

    /// <summary>Starts the waiting period of a primary key in PendingReplicaDeletion once its last replica is deleted: it
    /// becomes PendingDeletion with a DeletionDate <see cref="KeyRow.PendingDeletionWindowInDays"/> days from
    /// <paramref name="now"/> (API reference, ScheduleKeyDeletion). Returns whether this call changed it.</summary>
    public async Task<bool> StartPrimaryDeletionWindowAsync(string arn, DateTimeOffset now, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        var waiting = nameof(KeyState.PendingReplicaDeletion);
        var replicaType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Replica);
        var row = await ctx.Keys.FirstOrDefaultAsync(k => k.Arn == arn && k.KeyState == waiting, ct);
        if (row is null || await ctx.Keys.AnyAsync(r => r.AccountId == row.AccountId && r.KeyId == row.KeyId && r.MultiRegionKeyType == replicaType, ct))
        {
            return false;
        }

        var days = row.PendingDeletionWindowInDays ?? 30;
        row.KeyState = nameof(KeyState.PendingDeletion);
        row.DeletionDate = DateTimeOffset.FromUnixTimeMilliseconds(now.AddDays(days).ToUnixTimeMilliseconds()).UtcDateTime;
        row.PendingDeletionWindowInDays = null;
        row.Version++;
        try
        {
            await ctx.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // Changed meanwhile (cancelled, or replicated again): the next sweep decides on what was written.
            return false;
        }

        await keys.PublishKeyChangesAsync(ctx, [arn], ct);
        await tx.CommitAsync(ct);
        keys.Invalidate(arn);
        return true;
    }
}
