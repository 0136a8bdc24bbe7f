using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Seed;

/// <summary>Makes the store hold the seed file's keys, at every start: missing keys are created (with the pinned
/// material when given), description, policy and aliases of existing keys are set to the seed's. Safe to run from
/// several instances at once and again after a crash.</summary>
internal sealed class SeedApplier(KmsDbFactory dbFactory, IHsa hsa, TimeProvider time)
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
        var material = seed.Material is null ? null : hsa.ImportBackingKey(arn, seed.Material);

        await using var db = dbFactory.Create();
        await using var tx = await db.Database.BeginTransactionAsync(ct);
        var row = await db.Keys.FirstOrDefaultAsync(k => k.Arn == arn, ct);
        var now = time.GetUtcNow();
        now = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        if (row is null)
        {
            var backingKey = material ?? hsa.GenerateBackingKey(arn);
            var key = new KmsKey(arn, seed.KeyId, seed.Account, seed.Region, now, seed.Description, KeyState.Enabled,
                KeyUsageType.EncryptDecrypt, KeySpec.SymmetricDefault, OriginType.AwsKms, KeyManagerType.Customer,
                DeletionDate: null, backingKey.MaterialId);
            db.Keys.Add(KeyStore.ToRow(key, policy));
            db.BackingKeys.Add(new BackingKeyRow
            {
                KeyArn = arn,
                MaterialId = backingKey.MaterialId,
                Sequence = 1,
                Wrapped = backingKey.Wrapped,
                CreatedAt = now.UtcDateTime,
            });
        }
        else
        {
            if (material is not null
                && !await db.BackingKeys.AnyAsync(b => b.KeyArn == arn && b.MaterialId == material.MaterialId, ct))
            {
                throw new SeedFileException(
                    $"Seed key {arn}: its material differs from the key material already stored for this key; a key's material cannot be replaced.");
            }

            if (row.Description != seed.Description || row.Policy != policy)
            {
                row.Description = seed.Description;
                row.Policy = policy;
                row.Version++;
            }
        }

        foreach (var aliasName in seed.Aliases)
        {
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
                alias.TargetKeyArn = arn;
                alias.LastUpdatedDate = now.UtcDateTime;
            }
        }

        await db.SaveChangesAsync(ct);
        await tx.CommitAsync(ct);
    }
}
