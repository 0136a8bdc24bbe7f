using KmsService.Audit.Store;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>Reads and writes a key's tags and its description. Every write first bumps the key row's
/// <see cref="KeyRow.Version"/> as an optimistic-concurrency guard, so writers to one key run one after another and a
/// merge never works on tags another writer is changing.</summary>
internal sealed class TagStore(KmsDbFactory db, KeyStore keys, ChangeFeed changes)
{
    // Each round of contending writers commits at least one of them, so this covers heavy contention on one key.
    private const int MaxAttempts = 10;

    /// <summary>All tags of a key in ascending ordinal key order (the same on every store, whatever its collation).</summary>
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> ListAsync(string arn, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var rows = await ctx.Tags.AsNoTracking().Where(t => t.KeyArn == arn).ToListAsync(ct);
        return [.. rows.Select(t => new KeyValuePair<string, string>(t.TagKey, t.TagValue)).OrderBy(t => t.Key, StringComparer.Ordinal)];
    }

    /// <summary>Adds tags to a key, replacing the value of keys it already has. <paramref name="check"/> sees the
    /// current key and the number of tags it would have; it throws to abandon the change.</summary>
    public Task TagAsync(
        string arn, IReadOnlyList<KeyValuePair<string, string>> tags, Action<KmsKey, int> check, AuditInTransaction? audit, CancellationToken ct) =>
        WriteAsync(arn, async (ctx, row) =>
        {
            var existing = (await ctx.Tags.Where(t => t.KeyArn == arn).ToListAsync(ct))
                .ToDictionary(t => t.TagKey, StringComparer.Ordinal);
            var added = tags.Count(t => !existing.ContainsKey(t.Key));
            check(KeyStore.ToKey(row), existing.Count + added);

            foreach (var (tagKey, tagValue) in tags)
            {
                if (existing.TryGetValue(tagKey, out var current))
                {
                    current.TagValue = tagValue;
                }
                else
                {
                    ctx.Tags.Add(new TagRow { KeyArn = arn, TagKey = tagKey, TagValue = tagValue });
                }
            }
        }, audit, ct);

    /// <summary>Removes the named tags from a key; names it does not have are ignored.</summary>
    public Task UntagAsync(string arn, IReadOnlyList<string> tagKeys, Action<KmsKey> check, AuditInTransaction? audit, CancellationToken ct) =>
        WriteAsync(arn, async (ctx, row) =>
        {
            check(KeyStore.ToKey(row));
            var names = tagKeys.Distinct(StringComparer.Ordinal).ToList();
            var doomed = await ctx.Tags.Where(t => t.KeyArn == arn && names.Contains(t.TagKey)).ToListAsync(ct);
            ctx.Tags.RemoveRange(doomed);
        }, audit, ct);

    /// <summary>Replaces a key's description. The caller invalidates the key record cache afterwards.</summary>
    public Task UpdateDescriptionAsync(string arn, string description, Action<KmsKey> check, AuditInTransaction? audit, CancellationToken ct) =>
        WriteAsync(arn, (_, row) =>
        {
            check(KeyStore.ToKey(row));
            row.Description = description;
            return Task.CompletedTask;
        }, audit, ct);

    private async Task WriteAsync(string arn, Func<KmsDbContext, KeyRow, Task> change, AuditInTransaction? audit, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            await using var ctx = db.Create();
            await using var tx = await ctx.Database.BeginTransactionAsync(ct);
            var row = await ctx.Keys.FirstOrDefaultAsync(k => k.Arn == arn, ct)
                ?? throw new NotFoundException($"Key '{arn}' does not exist");

            // Claim the key before reading anything else: the guarded UPDATE locks its row until commit (PostgreSQL)
            // or runs inside the one write transaction (SQLite), and fails if another writer committed since our read.
            row.Version++;
            try
            {
                await ctx.SaveChangesAsync(ct);
            }
            catch (DbUpdateConcurrencyException) when (attempt < MaxAttempts)
            {
                continue;
            }

            // INVARIANT: from here until commit no other writer changes this key's row or its tags.
            await change(ctx, row);
            await ctx.SaveChangesAsync(ct);
            await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
            await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);

            // The cached key carries its tags (aws:ResourceTag) and description.
            keys.Invalidate(arn);
            return;
        }
    }
}
