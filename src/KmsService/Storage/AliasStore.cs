using KmsService.Audit.Store;
using KmsService.Core.Keys;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>Outcome of an alias write that the store decides on inside its transaction.</summary>
internal enum AliasWriteResult
{
    Done,
    AlreadyExists,
    NotFound,
    QuotaExceeded,
}

/// <summary>Reads and writes aliases. Every write runs in one transaction that publishes the change (see
/// <see cref="ChangeFeed"/>) and then drops the alias and its keys from this instance's hot-path cache in
/// <see cref="KeyStore"/>.</summary>
internal sealed class AliasStore(KmsDbFactory db, KeyStore keys, ChangeFeed changes)
{
    public async Task<AliasRow?> FindAsync(string account, string region, string aliasName, CancellationToken ct)
    {
        await using var ctx = db.Create();
        return await ctx.Aliases.AsNoTracking()
            .FirstOrDefaultAsync(a => a.AccountId == account && a.Region == region && a.AliasName == aliasName, ct);
    }

    /// <summary>Adds an alias unless the name is taken in the account and region or the target already has
    /// <paramref name="quota"/> aliases. The primary key decides between concurrent creators of the same name.</summary>
    public async Task<AliasWriteResult> CreateAsync(AliasRow alias, int quota, AuditInTransaction? audit, CancellationToken ct)
    {
        try
        {
            await using var ctx = db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            await LockKeyAsync(ctx, alias.TargetKeyArn, ct);
            if (await ctx.Aliases.CountAsync(a => a.TargetKeyArn == alias.TargetKeyArn, ct) >= quota)
            {
                return AliasWriteResult.QuotaExceeded;
            }

            ctx.Aliases.Add(alias);
            await ctx.SaveChangesAsync(ct);
            await changes.PublishAsync(ctx, [StoreChange.Alias(alias.AccountId, alias.Region, alias.AliasName), StoreChange.Key(alias.TargetKeyArn)], ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
        }
        catch (DbUpdateException)
        {
            // Another request (or instance) inserted the same name first; any other failure is not ours to hide.
            if (await ExistsAsync(alias.AccountId, alias.Region, alias.AliasName, ct))
            {
                return AliasWriteResult.AlreadyExists;
            }

            throw;
        }
        finally
        {
            keys.InvalidateAlias(alias.AccountId, alias.Region, alias.AliasName);
            keys.Invalidate(alias.TargetKeyArn); // its kms:ResourceAliases changed
        }

        return AliasWriteResult.Done;
    }

    /// <summary>Points an existing alias at another key, unless that key already has <paramref name="quota"/> aliases.</summary>
    public async Task<AliasWriteResult> RetargetAsync(
        string account, string region, string aliasName, string newTargetArn, DateTime now, int quota, AuditInTransaction? audit, CancellationToken ct)
    {
        string? oldTargetArn = null;
        try
        {
            await using var ctx = db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            var row = await ctx.Aliases
                .FirstOrDefaultAsync(a => a.AccountId == account && a.Region == region && a.AliasName == aliasName, ct);
            if (row is null)
            {
                return AliasWriteResult.NotFound;
            }

            oldTargetArn = row.TargetKeyArn;
            if (row.TargetKeyArn != newTargetArn)
            {
                await LockKeyAsync(ctx, newTargetArn, ct);
            }

            if (row.TargetKeyArn != newTargetArn
                && await ctx.Aliases.CountAsync(a => a.TargetKeyArn == newTargetArn, ct) >= quota)
            {
                return AliasWriteResult.QuotaExceeded;
            }

            row.TargetKeyArn = newTargetArn;
            row.LastUpdatedDate = now;
            await ctx.SaveChangesAsync(ct);
            await changes.PublishAsync(ctx, [StoreChange.Alias(account, region, aliasName), StoreChange.Key(newTargetArn), StoreChange.Key(oldTargetArn)], ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
            return AliasWriteResult.Done;
        }
        finally
        {
            keys.InvalidateAlias(account, region, aliasName);
            keys.Invalidate(newTargetArn); // both keys' kms:ResourceAliases changed
            if (oldTargetArn is not null)
            {
                keys.Invalidate(oldTargetArn);
            }
        }
    }

    /// <summary>Takes the target key row's lock for the rest of the transaction (an UPDATE of its version), so that
    /// concurrent alias writes for one key count and insert one at a time and the per-key quota holds on PostgreSQL
    /// as it does on SQLite.</summary>
    private static Task<int> LockKeyAsync(KmsDbContext ctx, string keyArn, CancellationToken ct) =>
        ctx.Keys.Where(k => k.Arn == keyArn).ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct);

    public async Task<AliasWriteResult> DeleteAsync(string account, string region, string aliasName, AuditInTransaction? audit, CancellationToken ct)
    {
        string? targetArn = null;
        try
        {
            await using var ctx = db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            var row = await ctx.Aliases
                .FirstOrDefaultAsync(a => a.AccountId == account && a.Region == region && a.AliasName == aliasName, ct);
            if (row is null)
            {
                return AliasWriteResult.NotFound;
            }

            targetArn = row.TargetKeyArn;
            ctx.Aliases.Remove(row);
            await ctx.SaveChangesAsync(ct);
            await changes.PublishAsync(ctx, [StoreChange.Alias(account, region, aliasName), StoreChange.Key(targetArn)], ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
            return AliasWriteResult.Done;
        }
        catch (DbUpdateConcurrencyException)
        {
            // A concurrent DeleteAlias removed it between our read and our delete.
            return AliasWriteResult.NotFound;
        }
        finally
        {
            keys.InvalidateAlias(account, region, aliasName);
            if (targetArn is not null)
            {
                keys.Invalidate(targetArn); // its kms:ResourceAliases changed
            }
        }
    }

    /// <summary>The predefined <c>alias/aws/…</c> names that exist in an account and region.</summary>
    public async Task<IReadOnlySet<string>> ListAwsAliasNamesAsync(string account, string region, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var names = await ctx.Aliases.AsNoTracking()
            .Where(a => a.AccountId == account && a.Region == region && a.AliasName.StartsWith(AliasNames.AwsReservedPrefix))
            .Select(a => a.AliasName)
            .ToListAsync(ct);
        return names.ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>One page of an account's aliases in a region (optionally only those of one key), ordered by name;
    /// <paramref name="afterName"/> is the last name of the previous page.</summary>
    public async Task<(IReadOnlyList<AliasRow> Aliases, bool Truncated)> ListAsync(
        string account, string region, string? targetKeyArn, int limit, string? afterName, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var query = ctx.Aliases.AsNoTracking().Where(a => a.AccountId == account && a.Region == region);
        if (targetKeyArn is not null)
        {
            query = query.Where(a => a.TargetKeyArn == targetKeyArn);
        }

        if (afterName is not null)
        {
            query = query.Where(a => a.AliasName.CompareTo(afterName) > 0);
        }

        var rows = await query.OrderBy(a => a.AliasName).Take(limit + 1).ToListAsync(ct);
        return (rows.Take(limit).ToList(), rows.Count > limit);
    }

    private async Task<bool> ExistsAsync(string account, string region, string aliasName, CancellationToken ct) =>
        await FindAsync(account, region, aliasName, ct) is not null;
}
