using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Core.Policy;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>Reads and writes keys, backing keys, aliases and tags. Hot-path reads are served from bounded caches:
/// key records and alias targets (dropped on every change, here and through the <see cref="ChangeFeed"/> on other
/// instances; kept for <see cref="ChangeFeed.RecordTtl"/>), wrapped backing keys (immutable once written) for ten
/// minutes. Every write that changes a cached row publishes the change inside its transaction. While the store is out
/// (<see cref="StoreOutage"/>), reads fall back on entries up to <see cref="StoreOutage.MaxStaleness"/> past their
/// time to live, so keys in use keep working; an entry dropped because its row changed is never served.</summary>
internal sealed class KeyStore
{
    private static readonly TimeSpan BackingKeyTtl = TimeSpan.FromMinutes(10);

    // Compiled key policies differ widely in size (a default policy keeps a few kilobytes alive, a 32 KB one of
    // thousands of wildcards about two megabytes), so the key cache is bounded by their estimated weight too: keys made
    // with large policies cannot fill memory, whatever their number.
    private const long MaxCachedKeyBytes = 256L * 1024 * 1024;

    private readonly KmsDbFactory _db;
    private readonly ChangeFeed _changes;
    private readonly StoreOutage _outage;
    private readonly TtlCache<string, KmsKey> _keys;
    private readonly TtlCache<(string Account, string Region, string Alias), string> _aliases;
    private readonly TtlCache<(string Arn, string MaterialId), WrappedBackingKey> _backingKeys;

    public KeyStore(KmsDbFactory db, ChangeFeed changes, StoreOutage outage, TimeProvider time)
    {
        _db = db;
        _changes = changes;
        _outage = outage;
        _keys = new(time, ChangeFeed.UnpushedTtl, 100_000, KeyWeight, MaxCachedKeyBytes, changes);
        _aliases = new(time, ChangeFeed.UnpushedTtl, 100_000, feed: changes);
        _backingKeys = new(time, BackingKeyTtl, 100_000);
    }

    /// <summary>The cache of key records (for its hit and miss counts).</summary>
    internal TtlCache<string, KmsKey> KeyCache => _keys;

    /// <summary>The cache of alias targets (for its hit and miss counts).</summary>
    internal TtlCache<(string Account, string Region, string Alias), string> AliasCache => _aliases;

    /// <summary>The cache of wrapped backing keys (for its hit and miss counts).</summary>
    internal TtlCache<(string Arn, string MaterialId), WrappedBackingKey> BackingKeyCache => _backingKeys;

    public async Task<KmsKey?> FindAsync(string arn, CancellationToken ct)
    {
        if (_keys.TryGet(arn, out var cached) || (_outage.IsActive && _keys.TryGetStale(arn, _outage.MaxStaleness, out cached)))
        {
            return cached;
        }

        try
        {
            return await LoadAsync(arn, ct);
        }
        catch (Exception e) when (_outage.Notice(e) && _keys.TryGetStale(arn, _outage.MaxStaleness, out var stale))
        {
            return stale;
        }
    }

    private async Task<KmsKey?> LoadAsync(string arn, CancellationToken ct)
    {
        // Taken before the queries: a change invalidated while they run keeps what they read out of the cache.
        var fill = _keys.StartFill();
        await using var db = _db.Create();
        var row = await db.Keys.AsNoTracking().FirstOrDefaultAsync(k => k.Arn == arn, ct);
        if (row is null)
        {
            return null;
        }

        var tags = await db.Tags.AsNoTracking().Where(t => t.KeyArn == arn).ToDictionaryAsync(t => t.TagKey, t => t.TagValue, StringComparer.Ordinal, ct);
        var aliases = await db.Aliases.AsNoTracking().Where(a => a.TargetKeyArn == arn).Select(a => a.AliasName).ToArrayAsync(ct);
        var key = ToKey(row) with { Tags = tags, Aliases = aliases, RelatedKeys = await RelatedKeysAsync(db, row, ct) };
        _keys.TrySet(arn, key, _changes.RecordTtl, fill);
        return key;
    }

    /// <summary>The ARN of the key an alias points at, or null.</summary>
    public async Task<string?> FindAliasTargetAsync(string account, string region, string aliasName, CancellationToken ct)
    {
        var cacheKey = (account, region, aliasName);
        if (_aliases.TryGet(cacheKey, out var cached) || (_outage.IsActive && _aliases.TryGetStale(cacheKey, _outage.MaxStaleness, out cached)))
        {
            return cached;
        }

        try
        {
            var fill = _aliases.StartFill();
            await using var db = _db.Create();
            var target = await db.Aliases.AsNoTracking()
                .Where(a => a.AccountId == account && a.Region == region && a.AliasName == aliasName)
                .Select(a => a.TargetKeyArn)
                .FirstOrDefaultAsync(ct);
            if (target is not null)
            {
                _aliases.TrySet(cacheKey, target, _changes.RecordTtl, fill);
            }

            return target;
        }
        catch (Exception e) when (_outage.Notice(e) && _aliases.TryGetStale(cacheKey, _outage.MaxStaleness, out var stale))
        {
            return stale;
        }
    }

    public async Task<WrappedBackingKey?> FindBackingKeyAsync(string arn, string materialId, CancellationToken ct)
    {
        var cacheKey = (arn, materialId);
        if (_backingKeys.TryGet(cacheKey, out var cached) || (_outage.IsActive && _backingKeys.TryGetStale(cacheKey, _outage.MaxStaleness, out cached)))
        {
            return cached;
        }

        try
        {
            await using var db = _db.Create();
            var row = await db.BackingKeys.AsNoTracking()
                .FirstOrDefaultAsync(b => b.KeyArn == arn && b.MaterialId == materialId, ct);
            if (row?.Wrapped is null)
            {
                // Unknown, or imported material that was deleted or expired (not cached: it may be imported again).
                return null;
            }

            var wrapped = new WrappedBackingKey(row.MaterialId, row.Wrapped);
            _backingKeys.Set(cacheKey, wrapped);
            return wrapped;
        }
        catch (Exception e) when (_outage.Notice(e) && _backingKeys.TryGetStale(cacheKey, _outage.MaxStaleness, out var stale))
        {
            return stale;
        }
    }

    /// <summary>Stores a new key with its first backing key, tags and aliases in one transaction.</summary>
    public async Task CreateAsync(NewKey key, AuditInTransaction? audit, CancellationToken ct)
    {
        await using var db = _db.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = ToRow(key.Key, key.Policy);
        if (key.RotationPeriodInDays is { } period)
        {
            row.RotationEnabled = true;
            row.RotationPeriodInDays = period;
            row.NextRotationDate = key.Key.CreationDate.AddDays(period).UtcDateTime;
        }

        db.Keys.Add(row);
        var now = key.Key.CreationDate.UtcDateTime;
        var sequence = 0;
        foreach (var material in key.BackingKeys)
        {
            db.BackingKeys.Add(new BackingKeyRow
            {
                KeyArn = key.Key.Arn,
                MaterialId = material.MaterialId,
                Sequence = ++sequence,
                Wrapped = material.Wrapped,
                CreatedAt = now,
            });
        }

        foreach (var (tagKey, tagValue) in key.Tags)
        {
            db.Tags.Add(new TagRow { KeyArn = key.Key.Arn, TagKey = tagKey, TagValue = tagValue });
        }

        foreach (var alias in key.Aliases)
        {
            db.Aliases.Add(new AliasRow
            {
                AccountId = key.Key.AccountId,
                Region = key.Key.Region,
                AliasName = alias,
                TargetKeyArn = key.Key.Arn,
                CreationDate = now,
                LastUpdatedDate = now,
            });
        }

        await db.SaveChangesAsync(ct);
        await AuditInTransaction.CommitAsync(tx, db, audit, ct);
    }

    /// <summary>One page of an account's keys in a region, ordered by key id; the marker is the last key id returned.</summary>
    public async Task<(IReadOnlyList<(string KeyId, string Arn)> Keys, bool Truncated)> ListAsync(
        string account, string region, int limit, string? afterKeyId, CancellationToken ct)
    {
        await using var db = _db.Create();
        var query = db.Keys.AsNoTracking().Where(k => k.AccountId == account && k.Region == region);
        if (afterKeyId is not null)
        {
            query = query.Where(k => k.KeyId.CompareTo(afterKeyId) > 0);
        }

        var rows = await query.OrderBy(k => k.KeyId).Take(limit + 1).Select(k => new { k.KeyId, k.Arn }).ToListAsync(ct);
        var page = rows.Take(limit).Select(r => (r.KeyId, r.Arn)).ToList();
        return (page, rows.Count > limit);
    }

    /// <summary>The key policy document as stored.</summary>
    public async Task<string> GetPolicyAsync(string arn, CancellationToken ct)
    {
        await using var db = _db.Create();
        return await db.Keys.AsNoTracking().Where(k => k.Arn == arn).Select(k => k.Policy).FirstOrDefaultAsync(ct)
            ?? throw new NotFoundException($"Key '{arn}' does not exist");
    }

    /// <summary>Replaces the key policy (PutKeyPolicy); the version bump makes concurrent writers serialise.</summary>
    public async Task SetPolicyAsync(string arn, string policy, AuditInTransaction? audit, CancellationToken ct)
    {
        await using var db = _db.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var updated = await db.Keys.Where(k => k.Arn == arn)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Policy, policy).SetProperty(k => k.Version, k => k.Version + 1), ct);
        if (updated == 0)
        {
            throw new NotFoundException($"Key '{arn}' does not exist");
        }

        await _changes.PublishAsync(db, StoreChange.Key(arn), ct);
        await AuditInTransaction.CommitAsync(tx, db, audit, ct);
        Invalidate(arn);
    }

    /// <summary>How many keys an account has in a region (for the keys-per-region quota).</summary>
    public async Task<int> CountAsync(string account, string region, CancellationToken ct)
    {
        await using var db = _db.Create();
        return await db.Keys.CountAsync(k => k.AccountId == account && k.Region == region, ct);
    }

    /// <summary>Applies a state transition to a key and saves it, guarded by the row's version: a concurrent change
    /// makes the transition run again on the fresh row, so two writers never overwrite each other.</summary>
    public async Task<KmsKey> UpdateAsync(string arn, Func<KmsKey, KmsKey> change, AuditInTransaction? audit, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = _db.Create();
            var row = await db.Keys.FirstOrDefaultAsync(k => k.Arn == arn, ct)
                ?? throw new NotFoundException($"Key '{arn}' does not exist");

            // The related keys decide some transitions (a primary with replicas waits for them to be deleted); the
            // version check below catches a replica added or removed meanwhile, as either bumps the primary's version.
            var current = ToKey(row) with { RelatedKeys = await RelatedKeysAsync(db, row, ct) };
            var next = change(current);
            if (next == current)
            {
                return current;
            }

            row.KeyState = next.KeyState.ToString();
            row.DeletionDate = next.DeletionDate?.UtcDateTime;
            row.PendingDeletionWindowInDays = next.PendingDeletionWindowInDays;
            row.Description = next.Description;
            row.Version++;
            try
            {
                await using var tx = await db.Database.BeginTransactionAsync(ct);
                await db.SaveChangesAsync(ct);
                await _changes.PublishAsync(db, StoreChange.Key(arn), ct);
                await AuditInTransaction.CommitAsync(tx, db, audit, ct);
                Invalidate(arn);
                return next;
            }
            catch (DbUpdateConcurrencyException) when (attempt < 5)
            {
                // Someone else changed the key first: apply the transition to what they wrote.
            }
        }
    }

    /// <summary>Keys whose deletion window has passed, oldest first.</summary>
    public async Task<IReadOnlyList<string>> ListDueForDeletionAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        await using var db = _db.Create();
        var state = nameof(KeyState.PendingDeletion);
        var cutoff = now.UtcDateTime;
        return await db.Keys.AsNoTracking()
            .Where(k => k.KeyState == state && k.DeletionDate <= cutoff)
            .OrderBy(k => k.DeletionDate)
            .Take(max)
            .Select(k => k.Arn)
            .ToListAsync(ct);
    }

    /// <summary>Deletes a key whose deletion window has passed, with its backing keys, aliases and tags, in one
    /// transaction. The condition is checked inside it, so a key whose deletion was cancelled meanwhile, or that
    /// another instance deleted first, is left alone. Returns whether this call deleted it.</summary>
    public async Task<bool> DeleteIfDueAsync(string arn, DateTimeOffset now, AuditInTransaction? audit, CancellationToken ct)
    {
        await using var db = _db.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var state = nameof(KeyState.PendingDeletion);
        var cutoff = now.UtcDateTime;

        // Claim the row first (an UPDATE takes its lock), so concurrent sweepers serialise on it.
        var claimed = await db.Keys
            .Where(k => k.Arn == arn && k.KeyState == state && k.DeletionDate <= cutoff)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct);
        if (claimed == 0)
        {
            return false;
        }

        var row = await db.Keys.AsNoTracking().FirstAsync(k => k.Arn == arn, ct);
        var related = await RelatedKeysAsync(db, row, ct);
        await db.Aliases.Where(a => a.TargetKeyArn == arn).ExecuteDeleteAsync(ct);
        await db.Tags.Where(t => t.KeyArn == arn).ExecuteDeleteAsync(ct);
        await db.Grants.Where(g => g.KeyArn == arn).ExecuteDeleteAsync(ct);
        await db.BackingKeys.Where(b => b.KeyArn == arn).ExecuteDeleteAsync(ct);
        await db.Keys.Where(k => k.Arn == arn).ExecuteDeleteAsync(ct);
        await _changes.PublishAsync(db, StoreChange.KeyDeleted(arn), ct);

        // The other keys of a multi-Region key list this one in their MultiRegionConfiguration: they change too.
        var others = related.Where(r => r.Arn != arn).Select(r => r.Arn).ToList();
        await PublishKeyChangesAsync(db, others, ct);
        await AuditInTransaction.CommitAsync(tx, db, audit, ct);
        InvalidateDeleted(arn);
        others.ForEach(Invalidate);
        return true;
    }

    /// <summary>The related multi-Region keys of a key row, itself included, ordered by region; empty for a single-Region key.</summary>
    internal static async Task<IReadOnlyList<MultiRegionKeyRef>> RelatedKeysAsync(KmsDbContext db, KeyRow row, CancellationToken ct)
    {
        if (row.MultiRegionKeyType is null)
        {
            return [];
        }

        var rows = await db.Keys.AsNoTracking()
            .Where(k => k.AccountId == row.AccountId && k.KeyId == row.KeyId && k.MultiRegionKeyType != null)
            .OrderBy(k => k.Region)
            .Select(k => new { k.Arn, k.Region, k.MultiRegionKeyType })
            .ToListAsync(ct);
        return [.. rows.Select(r => new MultiRegionKeyRef(r.Arn, r.Region, WireNames<MultiRegionKeyType>.Parse(r.MultiRegionKeyType!)))];
    }

    /// <summary>Publishes a change of each key in <paramref name="arns"/> inside the caller's transaction (other instances
    /// drop their cached records when it commits); the caller invalidates its own cache after the commit.</summary>
    internal async Task PublishKeyChangesAsync(KmsDbContext db, IEnumerable<string> arns, CancellationToken ct)
    {
        foreach (var arn in arns)
        {
            await _changes.PublishAsync(db, StoreChange.Key(arn), ct);
        }
    }

    /// <summary>Drops a key record from this instance's cache after a change (others drop it when the change's
    /// notification arrives, see <see cref="ChangeFeed"/>).</summary>
    public void Invalidate(string arn) => _keys.Remove(arn);

    /// <summary>Drops a deleted key's record and every alias target (the aliases that named it went with it).</summary>
    public void InvalidateDeleted(string arn)
    {
        _keys.Remove(arn);
        _aliases.Clear();
    }

    /// <summary>Expires this instance's caches when the change feed may have missed changes: nothing cached is served
    /// again, except as a fallback while the store is out (see the class summary).</summary>
    public void ClearCaches()
    {
        _keys.ExpireAll();
        _aliases.ExpireAll();
        _backingKeys.ExpireAll();
    }

    /// <summary>Drops a key's wrapped backing keys from this instance's cache after imported material was deleted or
    /// expired (the key's state, which every instance re-reads through the change feed, refuses its use meanwhile).</summary>
    public void InvalidateBackingKey(string arn, string materialId) => _backingKeys.Remove((arn, materialId));

    /// <summary>Drops everything this instance caches (after a reset of the whole store).</summary>
    public void DropCaches()
    {
        _keys.Clear();
        _aliases.Clear();
        _backingKeys.Clear();
    }

    /// <summary>Drops an alias target from this instance's cache after the alias changed or was deleted.</summary>
    public void InvalidateAlias(string account, string region, string aliasName) => _aliases.Remove((account, region, aliasName));

    internal static KmsKey ToKey(KeyRow row)
    {
        return new KmsKey(
            row.Arn,
            row.KeyId,
            row.AccountId,
            row.Region,
            AsUtc(row.CreationDate),
            row.Description,
            Enum.Parse<KeyState>(row.KeyState),
            WireNames<KeyUsageType>.Parse(row.KeyUsage),
            WireNames<KeySpec>.Parse(row.KeySpec),
            WireNames<OriginType>.Parse(row.Origin),
            WireNames<KeyManagerType>.Parse(row.KeyManager),
            row.DeletionDate is { } d ? AsUtc(d) : null,
            row.CurrentMaterialId)
        {
            KeyPolicy = ParsePolicy(row.Policy),
            MultiRegionKeyType = row.MultiRegionKeyType is { } type ? WireNames<MultiRegionKeyType>.Parse(type) : null,
            PendingDeletionWindowInDays = row.PendingDeletionWindowInDays,
            ExpirationModel = row.ExpirationModel is null ? null : WireNames<ExpirationModelType>.Parse(row.ExpirationModel),
            ValidTo = row.ValidTo is { } validTo ? AsUtc(validTo) : null,
        };
    }

    internal static KeyRow ToRow(KmsKey key, string policy) => new()
    {
        Arn = key.Arn,
        KeyId = key.KeyId,
        AccountId = key.AccountId,
        Region = key.Region,
        CreationDate = key.CreationDate.UtcDateTime,
        Description = key.Description,
        KeyState = key.KeyState.ToString(),
        KeyUsage = WireNames<KeyUsageType>.Name(key.KeyUsage),
        KeySpec = WireNames<KeySpec>.Name(key.KeySpec),
        Origin = WireNames<OriginType>.Name(key.Origin),
        KeyManager = WireNames<KeyManagerType>.Name(key.KeyManager),
        DeletionDate = key.DeletionDate?.UtcDateTime,
        CurrentMaterialId = key.CurrentMaterialId,
        MultiRegionKeyType = key.MultiRegionKeyType is { } type ? WireNames<MultiRegionKeyType>.Name(type) : null,
        PendingDeletionWindowInDays = key.PendingDeletionWindowInDays,
        Policy = policy,
        Version = 1,
    };

    // Every stored policy was parsed before it was stored; one that no longer parses fails closed.
    private static long KeyWeight(KmsKey key) => 1024 + (key.KeyPolicy?.EstimatedSize ?? 0);

    private static PolicyDocument ParsePolicy(string policy)
    {
        try
        {
            return PolicyDocument.Parse(policy);
        }
        catch (MalformedPolicyDocumentException)
        {
            throw new KMSInternalException("The key's stored key policy cannot be read.");
        }
    }

    // SQLite hands DateTime back unspecified; everything is stored in UTC.
    private static DateTimeOffset AsUtc(DateTime value) =>
        new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}

/// <summary>Everything written when a key is created: the key, its policy, its backing-key chain (oldest first), tags and aliases.</summary>
internal sealed record NewKey(
    KmsKey Key,
    string Policy,
    IReadOnlyList<WrappedBackingKey> BackingKeys,
    IReadOnlyList<KeyValuePair<string, string>> Tags,
    IReadOnlyList<string> Aliases,
    int? RotationPeriodInDays = null);
