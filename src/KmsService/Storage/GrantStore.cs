using System.Text.Json;
using KmsService.Audit.Store;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Core.Keys;
using KmsService.Protocol;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>Outcome of <see cref="GrantStore.CreateAsync"/>.</summary>
internal enum GrantWriteResult
{
    /// <summary>A new grant was stored.</summary>
    Created,

    /// <summary>A grant with the same name and properties exists on the key; it was returned, nothing was written.</summary>
    Existing,

    /// <summary>The key already has the most grants it may have.</summary>
    QuotaExceeded,
}

/// <summary>One page of a grant listing; <see cref="Truncated"/> when more follow the last one.</summary>
internal sealed record GrantPage(IReadOnlyList<Grant> Grants, bool Truncated);

/// <summary>Where a grant listing resumes: after the grant with this creation time and id.</summary>
internal readonly record struct GrantCursor(DateTime CreationDate, string GrantId);

/// <summary>
/// Reads and writes grants. Authorization reads the grants of a key on every request that the policies alone do not
/// allow, so they are cached per key ARN (empty lists too) for <see cref="ChangeFeed.RecordTtl"/>, and dropped from
/// this instance's cache at once when a grant of the key is created, retired or revoked here, and from the other
/// instances' caches through the <see cref="ChangeFeed"/>.
/// </summary>
internal sealed class GrantStore
{
    private static readonly IReadOnlyList<Grant> NoGrants = [];

    private readonly KmsDbFactory _db;
    private readonly ChangeFeed _changes;
    private readonly StoreOutage _outage;
    private readonly TtlCache<string, IReadOnlyList<Grant>> _byKey;

    public GrantStore(KmsDbFactory db, ChangeFeed changes, StoreOutage outage, TimeProvider time)
    {
        _db = db;
        _changes = changes;
        _outage = outage;
        _byKey = new(time, ChangeFeed.UnpushedTtl, 100_000, feed: changes);
    }

    /// <summary>The cache of grant lists by key (for its hit and miss counts).</summary>
    internal TtlCache<string, IReadOnlyList<Grant>> Cache => _byKey;

    /// <summary>Every grant of a key, oldest first (cached; see the class summary). While the store is out, a list
    /// up to <see cref="StoreOutage.MaxStaleness"/> past its time to live is served (as key records are).</summary>
    public ValueTask<IReadOnlyList<Grant>> ForKeyAsync(string keyArn, CancellationToken ct) =>
        _byKey.TryGet(keyArn, out var cached) || (_outage.IsActive && _byKey.TryGetStale(keyArn, _outage.MaxStaleness, out cached))
            ? ValueTask.FromResult(cached)
            : new(LoadOrStaleAsync(keyArn, ct));

    /// <summary>A grant by id, from the store (not the cache).</summary>
    public async Task<Grant?> FindAsync(string grantId, CancellationToken ct)
    {
        await using var ctx = _db.Create();
        var row = await ctx.Grants.AsNoTracking().FirstOrDefaultAsync(g => g.GrantId == grantId, ct);
        return row is null ? null : ToGrant(row);
    }

    /// <summary>
    /// Adds a grant to its key, in one transaction that first takes the key row's lock, so that concurrent creators
    /// on one key count and deduplicate one at a time. <paramref name="check"/> sees the key as stored and throws to
    /// refuse (key state). A grant with the same name, grantee, retiring principal, operations and constraint on the
    /// key is returned instead of a new one (CreateGrant's idempotency by name).
    /// </summary>
    public async Task<(GrantWriteResult Result, Grant? Grant)> CreateAsync(
        Grant grant, string grantToken, int quota, Action<KmsKey> check, AuditInTransaction? audit, CancellationToken ct)
    {
        try
        {
            await using var ctx = _db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            var locked = await ctx.Keys.Where(k => k.Arn == grant.KeyArn)
                .ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct);
            var key = await ctx.Keys.AsNoTracking().FirstOrDefaultAsync(k => k.Arn == grant.KeyArn, ct);
            if (locked == 0 || key is null)
            {
                throw new NotFoundException($"Key '{grant.KeyArn}' does not exist");
            }

            check(KeyStore.ToKey(key));
            if (grant.Name is not null)
            {
                var named = await ctx.Grants.AsNoTracking()
                    .Where(g => g.KeyArn == grant.KeyArn && g.Name == grant.Name)
                    .ToListAsync(ct);
                if (named.Select(ToGrant).FirstOrDefault(g => SameProperties(g, grant)) is { } existing)
                {
                    return (GrantWriteResult.Existing, existing);
                }
            }

            if (await ctx.Grants.CountAsync(g => g.KeyArn == grant.KeyArn, ct) >= quota)
            {
                return (GrantWriteResult.QuotaExceeded, null);
            }

            ctx.Grants.Add(ToRow(grant, key.AccountId, key.Region, grantToken));
            await ctx.SaveChangesAsync(ct);
            await _changes.PublishAsync(ctx, StoreChange.Grants(grant.KeyArn), ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
            return (GrantWriteResult.Created, grant);
        }
        finally
        {
            InvalidateGrants(grant.KeyArn);
        }
    }

    /// <summary>Deletes a grant of a key (RetireGrant, RevokeGrant); returns whether it existed.</summary>
    public async Task<bool> DeleteAsync(string keyArn, string grantId, AuditInTransaction? audit, CancellationToken ct)
    {
        try
        {
            await using var ctx = _db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            var deleted = await ctx.Grants.Where(g => g.KeyArn == keyArn && g.GrantId == grantId).ExecuteDeleteAsync(ct);
            if (deleted == 0)
            {
                return false;
            }

            await _changes.PublishAsync(ctx, StoreChange.Grants(keyArn), ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
            return deleted > 0;
        }
        finally
        {
            InvalidateGrants(keyArn);
        }
    }

    /// <summary>One page of a key's grants, oldest first, optionally only one grant id or one grantee.</summary>
    public async Task<GrantPage> ListAsync(
        string keyArn, string? grantId, string? granteePrincipal, int limit, GrantCursor? after, CancellationToken ct)
    {
        await using var ctx = _db.Create();
        var query = ctx.Grants.AsNoTracking().Where(g => g.KeyArn == keyArn);
        if (grantId is not null)
        {
            query = query.Where(g => g.GrantId == grantId);
        }

        if (granteePrincipal is not null)
        {
            query = query.Where(g => g.GranteePrincipal == granteePrincipal);
        }

        return await PageAsync(query, limit, after, ct);
    }

    /// <summary>One page of the grants in a region whose retiring principal is <paramref name="retiringPrincipal"/>,
    /// on keys of any account, oldest first.</summary>
    public async Task<GrantPage> ListRetirableAsync(
        string retiringPrincipal, string region, int limit, GrantCursor? after, CancellationToken ct)
    {
        await using var ctx = _db.Create();
        var query = ctx.Grants.AsNoTracking().Where(g => g.RetiringPrincipal == retiringPrincipal && g.Region == region);
        return await PageAsync(query, limit, after, ct);
    }

    /// <summary>Drops a key's grants from this instance's cache (after a change to them, here or on another instance).</summary>
    public void InvalidateGrants(string keyArn) => _byKey.Remove(keyArn);

    /// <summary>Expires this instance's grant cache when changes may have been missed (kept only as an outage fallback).</summary>
    public void ClearCaches() => _byKey.ExpireAll();

    /// <summary>Drops this instance's grant cache (after a reset of the whole store).</summary>
    public void DropCaches() => _byKey.Clear();

    private async Task<IReadOnlyList<Grant>> LoadOrStaleAsync(string keyArn, CancellationToken ct)
    {
        try
        {
            return await LoadAsync(keyArn, ct);
        }
        catch (Exception e) when (_outage.Notice(e) && _byKey.TryGetStale(keyArn, _outage.MaxStaleness, out var stale))
        {
            return stale;
        }
    }

    private async Task<IReadOnlyList<Grant>> LoadAsync(string keyArn, CancellationToken ct)
    {
        // Taken before the query: a change committed while it runs must not be overwritten by what it read.
        var fill = _byKey.StartFill();
        await using var ctx = _db.Create();
        var rows = await ctx.Grants.AsNoTracking()
            .Where(g => g.KeyArn == keyArn)
            .OrderBy(g => g.CreationDate).ThenBy(g => g.GrantId)
            .ToListAsync(ct);
        var grants = rows.Count == 0 ? NoGrants : [.. rows.Select(ToGrant)];
        _byKey.TrySet(keyArn, grants, _changes.RecordTtl, fill);
        return grants;
    }

    private static async Task<GrantPage> PageAsync(IQueryable<GrantRow> query, int limit, GrantCursor? after, CancellationToken ct)
    {
        if (after is { } cursor)
        {
            query = query.Where(g => g.CreationDate > cursor.CreationDate
                || (g.CreationDate == cursor.CreationDate && g.GrantId.CompareTo(cursor.GrantId) > 0));
        }

        var rows = await query.OrderBy(g => g.CreationDate).ThenBy(g => g.GrantId).Take(limit + 1).ToListAsync(ct);
        return new GrantPage([.. rows.Take(limit).Select(ToGrant)], rows.Count > limit);
    }

    // CreateGrant retried with a name: the same grant if everything else is the same too (operations in any order).
    private static bool SameProperties(Grant a, Grant b) =>
        a.GranteePrincipal == b.GranteePrincipal
        && a.RetiringPrincipal == b.RetiringPrincipal
        && a.OperationSet == b.OperationSet
        && GrantConstraint.AreSame(a.Constraints, b.Constraints);

    private static GrantRow ToRow(Grant grant, string accountId, string region, string grantToken) => new()
    {
        GrantId = grant.GrantId,
        KeyArn = grant.KeyArn,
        AccountId = accountId,
        Region = region,
        Name = grant.Name,
        GranteePrincipal = grant.GranteePrincipal,
        RetiringPrincipal = grant.RetiringPrincipal,
        IssuingAccount = grant.IssuingAccount,
        Operations = string.Join(',', grant.Operations.Select(GrantOperations.Name)),
        EncryptionContextEquals = Json(grant.Constraints?.EncryptionContextEquals),
        EncryptionContextSubset = Json(grant.Constraints?.EncryptionContextSubset),
        CreationDate = grant.CreationDate.UtcDateTime,
        GrantToken = grantToken,
    };

    internal static Grant ToGrant(GrantRow row) => new(
        row.GrantId,
        row.KeyArn,
        row.Name,
        row.GranteePrincipal,
        row.RetiringPrincipal,
        row.IssuingAccount,
        [.. row.Operations.Split(',').Select(WireNames<GrantOperation>.Parse)],
        GrantConstraint.From(Pairs(row.EncryptionContextEquals), Pairs(row.EncryptionContextSubset)),
        new DateTimeOffset(DateTime.SpecifyKind(row.CreationDate, DateTimeKind.Utc)));

    private static string? Json(IReadOnlyDictionary<string, string>? pairs) => pairs is null
        ? null
        : JsonSerializer.Serialize(new Dictionary<string, string>(pairs, StringComparer.Ordinal), KmsJsonContext.Default.DictionaryStringString);

    private static Dictionary<string, string>? Pairs(string? json) => json is null
        ? null
        : JsonSerializer.Deserialize(json, KmsJsonContext.Default.DictionaryStringString);
}
