using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>A key's automatic-rotation settings: off, or on with a period and the date the next rotation is due.</summary>
internal sealed record RotationSchedule(bool Enabled, int? PeriodInDays, DateTimeOffset? NextRotationDate)
{
    public static RotationSchedule Off { get; } = new(false, null, null);
}

/// <summary>One backing key of a key's chain as ListKeyRotations shows it; <see cref="RotationType"/> is null for the
/// original material.</summary>
internal sealed record BackingKeyEntry(string MaterialId, int Sequence, DateTimeOffset CreatedAt, string? RotationType)
{
    /// <summary>Imported material: whether it is imported now (not deleted or expired).</summary>
    public bool Imported { get; init; } = true;

    /// <summary>Imported material: its ExpirationModel wire name while imported.</summary>
    public string? ExpirationModel { get; init; }

    public DateTimeOffset? ValidTo { get; init; }

    public string? KeyMaterialDescription { get; init; }

    /// <summary>Imported NEW_KEY_MATERIAL waiting for RotateKeyOnDemand.</summary>
    public bool PendingRotation { get; init; }
}

/// <summary>What an on-demand rotation attempt did.</summary>
internal enum OnDemandRotationOutcome
{
    Rotated,

    /// <summary>The key was not Enabled when the rotation tried to claim it (changed since it was read).</summary>
    KeyNotEnabled,

    /// <summary>The key has had as many on-demand rotations as the quota allows.</summary>
    QuotaReached,

    /// <summary>An EXTERNAL key has no imported NEW_KEY_MATERIAL pending rotation.</summary>
    NothingPending,
}

/// <summary>Rotation settings and the backing-key chain. A rotation appends one backing key and makes it current in
/// one transaction that first claims the key row with a conditional UPDATE (as <see cref="KeyStore.DeleteIfDueAsync"/>
/// does), so a crash leaves either the old current backing key or the new one, never none, and concurrent rotations
/// of one key run one after another.</summary>
internal sealed class RotationStore(KmsDbFactory db, KeyStore keys, ChangeFeed changes)
{
    /// <summary>Wire names of the model enum <c>RotationType</c>, as stored in <see cref="BackingKeyRow.RotationType"/>.</summary>
    public const string Automatic = "AUTOMATIC";
    public const string OnDemand = "ON_DEMAND";

    private const int MaxAttempts = 10;

    public async Task<RotationSchedule> GetScheduleAsync(string arn, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var row = await ctx.Keys.AsNoTracking().FirstOrDefaultAsync(k => k.Arn == arn, ct)
            ?? throw new NotFoundException($"Key '{arn}' does not exist");
        if (row.MultiRegionKeyType == ReplicaType)
        {
            // Automatic rotation is a shared property of multi-Region keys, kept on the primary.
            var primary = await ctx.Keys.AsNoTracking()
                .FirstOrDefaultAsync(k => k.AccountId == row.AccountId && k.KeyId == row.KeyId && k.MultiRegionKeyType == PrimaryType, ct);
            return primary is null ? RotationSchedule.Off : ScheduleOf(primary);
        }

        return ScheduleOf(row);
    }

    private static readonly string ReplicaType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Replica);
    private static readonly string PrimaryType = WireNames<MultiRegionKeyType>.Name(MultiRegionKeyType.Primary);

    /// <summary>Adds a rotation's backing key to every replica of a multi-Region primary key, in the primary's
    /// transaction (the caller holds its claim, so no replica is added or removed meanwhile), and makes it current there.</summary>
    private async Task<IReadOnlyList<string>> AppendToReplicasAsync(
        KmsDbContext ctx, string primaryArn, WrappedBackingKey material, Func<string, WrappedBackingKey> forReplica,
        DateTimeOffset now, string rotationType, CancellationToken ct)
    {
        var primary = await ctx.Keys.AsNoTracking().FirstAsync(k => k.Arn == primaryArn, ct);
        if (primary.MultiRegionKeyType != PrimaryType)
        {
            return [];
        }

        var replicas = await ctx.Keys.AsNoTracking()
            .Where(k => k.AccountId == primary.AccountId && k.KeyId == primary.KeyId && k.MultiRegionKeyType == ReplicaType)
            .Select(k => k.Arn)
            .ToListAsync(ct);
        foreach (var replica in replicas)
        {
            await AppendAsync(ctx, replica, forReplica(replica), now, rotationType, ct);
            await ctx.Keys.Where(k => k.Arn == replica)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.CurrentMaterialId, material.MaterialId).SetProperty(k => k.Version, k => k.Version + 1), ct);
            await changes.PublishAsync(ctx, StoreChange.Key(replica), ct);
        }

        return replicas;
    }

    /// <summary>Applies a change to a key's rotation settings, guarded by the row's version like
    /// <see cref="KeyStore.UpdateAsync"/>: <paramref name="change"/> sees the fresh key and settings and throws to refuse.</summary>
    public async Task<RotationSchedule> UpdateScheduleAsync(
        string arn, Func<KmsKey, RotationSchedule, RotationSchedule> change, AuditInTransaction? audit, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var ctx = db.Create();
            var row = await ctx.Keys.FirstOrDefaultAsync(k => k.Arn == arn, ct)
                ?? throw new NotFoundException($"Key '{arn}' does not exist");
            var current = ScheduleOf(row);
            var next = change(KeyStore.ToKey(row), current);
            if (next == current)
            {
                return current;
            }

            row.RotationEnabled = next.Enabled;
            row.RotationPeriodInDays = next.PeriodInDays;
            row.NextRotationDate = next.NextRotationDate?.UtcDateTime;
            row.Version++;
            try
            {
                await using var tx = await ctx.Database.BeginTransactionAsync(ct);
                await ctx.SaveChangesAsync(ct);
                await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
                await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
                keys.Invalidate(arn);
                return next;
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
            {
                // Someone else changed the key first: decide again on what they wrote.
            }
        }
    }

    /// <summary>Rotates an Enabled key now, unless it already had <paramref name="quota"/> on-demand rotations.
    /// The automatic schedule (NextRotationDate) is left as it is, as on AWS.</summary>
    public async Task<OnDemandRotationOutcome> RotateOnDemandAsync(
        string arn, WrappedBackingKey material, Func<string, WrappedBackingKey> forReplica, DateTimeOffset now, int quota,
        AuditInTransaction? audit, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);

        // Claim the row first (the UPDATE takes its lock), so the quota count below cannot race another rotation.
        if (!await ClaimEnabledAsync(ctx, arn, ct))
        {
            return OnDemandRotationOutcome.KeyNotEnabled;
        }

        var done = await ctx.BackingKeys.CountAsync(b => b.KeyArn == arn && b.RotationType == OnDemand, ct);
        if (done >= quota)
        {
            return OnDemandRotationOutcome.QuotaReached;
        }

        await AppendAsync(ctx, arn, material, now, OnDemand, ct);
        await ctx.Keys.Where(k => k.Arn == arn)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.CurrentMaterialId, material.MaterialId), ct);
        var replicas = await AppendToReplicasAsync(ctx, arn, material, forReplica, now, OnDemand, ct);
        await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
        await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
        keys.Invalidate(arn);
        foreach (var replica in replicas)
        {
            keys.Invalidate(replica);
        }

        return OnDemandRotationOutcome.Rotated;
    }

    /// <summary>Rotates an Enabled EXTERNAL key to its imported material pending rotation (ImportType NEW_KEY_MATERIAL),
    /// which becomes current; the material stays at its place in the chain and gets the rotation date.</summary>
    public async Task<OnDemandRotationOutcome> RotateImportedAsync(
        string arn, DateTimeOffset now, int quota, AuditInTransaction? audit, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        if (!await ClaimEnabledAsync(ctx, arn, ct))
        {
            return OnDemandRotationOutcome.KeyNotEnabled;
        }

        var pending = await ctx.BackingKeys.FirstOrDefaultAsync(b => b.KeyArn == arn && b.PendingRotation && b.Wrapped != null, ct);
        if (pending is null)
        {
            return OnDemandRotationOutcome.NothingPending;
        }

        if (await ctx.BackingKeys.CountAsync(b => b.KeyArn == arn && b.RotationType == OnDemand, ct) >= quota)
        {
            return OnDemandRotationOutcome.QuotaReached;
        }

        pending.PendingRotation = false;
        pending.RotationType = OnDemand;
        pending.CreatedAt = now.UtcDateTime;
        await ctx.SaveChangesAsync(ct);
        await ctx.Keys.Where(k => k.Arn == arn)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.CurrentMaterialId, pending.MaterialId), ct);
        await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
        await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
        keys.Invalidate(arn);
        return OnDemandRotationOutcome.Rotated;
    }

    /// <summary>Enabled keys with automatic rotation whose next rotation is due, most overdue first, with their period.</summary>
    public async Task<IReadOnlyList<(string Arn, int PeriodInDays)>> ListDueForRotationAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var enabled = nameof(KeyState.Enabled);
        var cutoff = now.UtcDateTime;
        var rows = await ctx.Keys.AsNoTracking()
            .Where(k => k.KeyState == enabled && k.RotationEnabled && k.RotationPeriodInDays != null && k.NextRotationDate <= cutoff)
            .OrderBy(k => k.NextRotationDate)
            .Take(max)
            .Select(k => new { k.Arn, k.RotationPeriodInDays })
            .ToListAsync(ct);
        return [.. rows.Select(r => (r.Arn, r.RotationPeriodInDays!.Value))];
    }

    /// <summary>Performs a due automatic rotation: appends <paramref name="material"/>, makes it current and sets the next
    /// rotation one period from <paramref name="now"/>. The claim re-checks every condition inside the transaction, so
    /// a key another instance rotated meanwhile (its NextRotationDate has moved), disabled, or re-scheduled with
    /// another period is left alone. Returns whether this call rotated it.</summary>
    public async Task<bool> RotateIfDueAsync(
        string arn, int periodInDays, WrappedBackingKey material, Func<string, WrappedBackingKey> forReplica, DateTimeOffset now,
        AuditInTransaction? audit, CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);
        var enabled = nameof(KeyState.Enabled);
        var cutoff = now.UtcDateTime;
        var next = now.AddDays(periodInDays).UtcDateTime;

        var claimed = await ctx.Keys
            .Where(k => k.Arn == arn && k.KeyState == enabled && k.RotationEnabled
                && k.RotationPeriodInDays == periodInDays && k.NextRotationDate <= cutoff)
            .ExecuteUpdateAsync(
                u => u.SetProperty(k => k.Version, k => k.Version + 1)
                    .SetProperty(k => k.NextRotationDate, next)
                    .SetProperty(k => k.CurrentMaterialId, material.MaterialId),
                ct);
        if (claimed == 0)
        {
            return false;
        }

        await AppendAsync(ctx, arn, material, now, Automatic, ct);
        var replicas = await AppendToReplicasAsync(ctx, arn, material, forReplica, now, Automatic, ct);
        await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
        await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
        keys.Invalidate(arn);
        foreach (var replica in replicas)
        {
            keys.Invalidate(replica);
        }

        return true;
    }

    /// <summary>One page of a key's backing keys in chain order, after <paramref name="afterSequence"/>; the original
    /// material only when <paramref name="includeOriginal"/>. Also returns the key's current material id.</summary>
    public async Task<(IReadOnlyList<BackingKeyEntry> Page, bool Truncated, string? CurrentMaterialId)> ListBackingKeysAsync(
        string arn, bool includeOriginal, int limit, int afterSequence, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var current = await ctx.Keys.AsNoTracking().Where(k => k.Arn == arn).Select(k => k.CurrentMaterialId).FirstOrDefaultAsync(ct);
        var query = ctx.BackingKeys.AsNoTracking().Where(b => b.KeyArn == arn && b.Sequence > afterSequence);
        if (!includeOriginal)
        {
            query = query.Where(b => b.RotationType != null || b.PendingRotation);
        }

        var rows = await query.OrderBy(b => b.Sequence).Take(limit + 1)
            .Select(b => new
            {
                b.MaterialId,
                b.Sequence,
                b.CreatedAt,
                b.RotationType,
                Imported = b.Wrapped != null,
                b.ExpirationModel,
                b.ValidTo,
                b.KeyMaterialDescription,
                b.PendingRotation,
            })
            .ToListAsync(ct);
        var page = rows.Take(limit).Select(r => new BackingKeyEntry(r.MaterialId, r.Sequence, AsUtc(r.CreatedAt), r.RotationType)
        {
            Imported = r.Imported,
            ExpirationModel = r.ExpirationModel,
            ValidTo = r.ValidTo is { } validTo ? AsUtc(validTo) : null,
            KeyMaterialDescription = r.KeyMaterialDescription,
            PendingRotation = r.PendingRotation,
        }).ToList();
        return (page, rows.Count > limit, current);
    }

    /// <summary>Claims an Enabled key's row for the transaction (a conditional UPDATE takes its lock); false when the
    /// key is not Enabled (any more).</summary>
    private static async Task<bool> ClaimEnabledAsync(KmsDbContext ctx, string arn, CancellationToken ct)
    {
        var enabled = nameof(KeyState.Enabled);
        return await ctx.Keys
            .Where(k => k.Arn == arn && k.KeyState == enabled)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct) > 0;
    }

    private static async Task AppendAsync(
        KmsDbContext ctx, string arn, WrappedBackingKey material, DateTimeOffset now, string rotationType, CancellationToken ct)
    {
        // INVARIANT: the caller holds the key row's claim, so no other rotation computes the same sequence.
        var last = await ctx.BackingKeys.Where(b => b.KeyArn == arn).MaxAsync(b => (int?)b.Sequence, ct) ?? 0;
        ctx.BackingKeys.Add(new BackingKeyRow
        {
            KeyArn = arn,
            MaterialId = material.MaterialId,
            Sequence = last + 1,
            Wrapped = material.Wrapped,
            CreatedAt = now.UtcDateTime,
            RotationType = rotationType,
        });
        await ctx.SaveChangesAsync(ct);
    }

    private static RotationSchedule ScheduleOf(KeyRow row) =>
        row.RotationEnabled
            ? new RotationSchedule(true, row.RotationPeriodInDays, row.NextRotationDate is { } d ? AsUtc(d) : null)
            : RotationSchedule.Off;

    // SQLite hands DateTime back unspecified; everything is stored in UTC.
    private static DateTimeOffset AsUtc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
