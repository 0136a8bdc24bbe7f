using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Seed;

/// <summary>Makes the store hold the seed file's keys, at every start: missing keys are created (with the pinned
/// material when given), description, policy and aliases of existing keys are set to the seed's. Safe to run from
/// several instances at once and again after a crash.</summary>
internal sealed class SeedApplier(KmsDbFactory dbFactory, IHsa hsa, TimeProvider time, ChangeFeed changes)
{
    public async Task ApplyAsync(SeedDocument seed, CancellationToken ct)
    {
        foreach (var key in seed.Keys)
        {
            // Another instance may create the same key at the same moment: then apply again as an update.
            try
            {
                await ApplyKeyAsync(key, ct);
            }
            catch (DbUpdateException)
            {
                await ApplyKeyAsync(key, ct);
            }
        }
    }

    private async Task ApplyKeyAsync(SeedKey seed, CancellationToken ct)
    {
        var arn = KmsKey.BuildArn(seed.Region, seed.Account, seed.KeyId);
        var partition = Partition.ForRegion(seed.Region);
        var policy = seed.Policy ?? KeyPolicies.Default(partition, seed.Account);
        var chain = seed.Materials.Select(m => hsa.ImportBackingKey(arn, seed.KeySpec, m)).ToList();
        var now = DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds());

        await using var db = dbFactory.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Keys.FirstOrDefaultAsync(k => k.Arn == arn, ct);
        if (row is null)
        {
            if (chain.Count == 0)
            {
                chain.Add(hsa.GenerateBackingKey(arn, seed.KeySpec));
            }

            var key = new KmsKey(arn, seed.KeyId, seed.Account, seed.Region, now, seed.Description, KeyState.Enabled,
                seed.KeyUsage, seed.KeySpec, OriginType.AwsKms, KeyManagerType.Customer,
                DeletionDate: null, chain[^1].MaterialId);
            row = KeyStore.ToRow(key, policy);
            db.Keys.Add(row);
            AppendChain(db, arn, chain, firstSequence: 1, now);
        }
        else
        {
            if (row.KeySpec != WireNames<KeySpec>.Name(seed.KeySpec) || row.KeyUsage != WireNames<KeyUsageType>.Name(seed.KeyUsage))
            {
                throw new SeedFileException(
                    $"Seed key {arn}: the file declares key spec {WireNames<KeySpec>.Name(seed.KeySpec)} and usage {WireNames<KeyUsageType>.Name(seed.KeyUsage)}, but the stored key is {row.KeySpec} {row.KeyUsage}; a key's spec and usage cannot change.");
            }

            await ExtendChainAsync(db, row, chain, now, ct);
            if (row.Description != seed.Description || row.Policy != policy)
            {
                row.Description = seed.Description;
                row.Policy = policy;
            }
        }

        // State, rotation and tags are the seed's, unless the key is on its way out (pending deletion).
        if (row.KeyState is nameof(KeyState.Enabled) or nameof(KeyState.Disabled))
        {
            row.KeyState = seed.Enabled ? nameof(KeyState.Enabled) : nameof(KeyState.Disabled);
        }

        if (seed.Rotation is { Enabled: true } rotation)
        {
            if (!row.RotationEnabled || row.RotationPeriodInDays != rotation.PeriodInDays)
            {
                row.RotationEnabled = true;
                row.RotationPeriodInDays = rotation.PeriodInDays;
                row.NextRotationDate = now.AddDays(rotation.PeriodInDays).UtcDateTime;
            }
        }
        else if (seed.Rotation is not null)
        {
            row.RotationEnabled = false;
            row.RotationPeriodInDays = null;
            row.NextRotationDate = null;
        }

        await db.Tags.Where(t => t.KeyArn == arn).ExecuteDeleteAsync(ct);
        foreach (var (tagKey, tagValue) in seed.Tags)
        {
            db.Tags.Add(new TagRow { KeyArn = arn, TagKey = tagKey, TagValue = tagValue });
        }

        row.Version++;

        // Instances already running cache this key and its aliases (for longer while the change feed is connected).
        var changed = new List<StoreChange> { StoreChange.Key(arn) };
        foreach (var aliasName in seed.Aliases)
        {
            changed.Add(StoreChange.Alias(seed.Account, seed.Region, aliasName));
            var alias = await db.Aliases.FirstOrDefaultAsync(
                a => a.AccountId == seed.Account && a.Region == seed.Region && a.AliasName == aliasName, ct);
            if (alias is null)
            {
                db.Aliases.Add(new AliasRow
                {
                    AccountId = seed.Account,
                    Region = seed.Region,
                    AliasName = aliasName,
                    TargetKeyArn = arn,
                    CreationDate = now.UtcDateTime,
                    LastUpdatedDate = now.UtcDateTime,
                });
            }
            else if (alias.TargetKeyArn != arn)
            {
                changed.Add(StoreChange.Key(alias.TargetKeyArn));
                alias.TargetKeyArn = arn;
                alias.LastUpdatedDate = now.UtcDateTime;
            }
        }

        await db.SaveChangesAsync(ct);
        await changes.PublishAsync(db, changed, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The stored chain must be the seed's chain or its beginning: later seed materials are appended as
    /// rotations (the last becomes current); anything else would replace material ciphertexts depend on.</summary>
    private static async Task ExtendChainAsync(KmsDbContext db, KeyRow row, List<WrappedBackingKey> chain, DateTimeOffset now, CancellationToken ct)
    {
        if (chain.Count == 0)
        {
            return;
        }

        var stored = await db.BackingKeys.AsNoTracking().Where(b => b.KeyArn == row.Arn)
            .OrderBy(b => b.Sequence).Select(b => b.MaterialId).ToListAsync(ct);
        if (stored.Count > chain.Count || !stored.SequenceEqual(chain.Take(stored.Count).Select(c => c.MaterialId)))
        {
            throw new SeedFileException(
                $"Seed key {row.Arn}: its material differs from the key material already stored for this key; a key's material cannot be replaced, only extended by later entries.");
        }

        if (chain.Count > stored.Count)
        {
            AppendChain(db, row.Arn, chain.Skip(stored.Count).ToList(), stored.Count + 1, now);
            row.CurrentMaterialId = chain[^1].MaterialId;
        }
    }

    private static void AppendChain(KmsDbContext db, string arn, List<WrappedBackingKey> chain, int firstSequence, DateTimeOffset now)
    {
        for (var i = 0; i < chain.Count; i++)
        {
            var sequence = firstSequence + i;
            db.BackingKeys.Add(new BackingKeyRow
            {
                KeyArn = arn,
                MaterialId = chain[i].MaterialId,
                Sequence = sequence,
                Wrapped = chain[i].Wrapped,
                CreatedAt = now.UtcDateTime,

                // Later entries of a seeded chain are rotations that happened before the seed was written.
                RotationType = sequence == 1 ? null : RotationStore.Automatic,
            });
        }
    }
}
