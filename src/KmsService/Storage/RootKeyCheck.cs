using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>
/// Binds a store to its root key: the HSA's key-check value is stored with the data on first start, and every later
/// start compares it before anything is migrated or written. A different root key stops start-up with a message
/// instead of failing every existing key and wrapping new ones under a second root key.
/// </summary>
internal static class RootKeyCheck
{
    /// <summary>The <c>store_meta</c> row holding the key-check value (hex).</summary>
    public const string MetaName = "root_key_check";

    // The migration that creates store_meta: before it is applied there is no value to compare.
    private const string MigrationSuffix = "_RootKeyCheck";

    /// <summary>Compares the stored key-check value, if the store has one, with the HSA's. Call before migrating.</summary>
    /// <exception cref="StartupException">The store was written under another root key.</exception>
    public static async Task VerifyBeforeMigrationAsync(KmsDbContext db, IHsa hsa, CancellationToken ct)
    {
        var applied = await db.Database.GetAppliedMigrationsAsync(ct);
        if (!applied.Any(m => m.EndsWith(MigrationSuffix, StringComparison.Ordinal)))
        {
            return;
        }

        var stored = await StoredAsync(db, ct);
        if (stored is not null && !Matches(stored, hsa))
        {
            throw Mismatch();
        }
    }

    /// <summary>After migrating: a store without a key-check value gets the HSA's, once a stored backing key (if any)
    /// is seen to unwrap under the root key; a concurrent first start by another instance is compared instead.</summary>
    /// <exception cref="StartupException">The store was written under another root key.</exception>
    public static async Task EnsureRecordedAsync(KmsDbContext db, IHsa hsa, CancellationToken ct)
    {
        var stored = await StoredAsync(db, ct);
        if (stored is null)
        {
            // A store written before key-check values existed: one of its backing keys tells which root key it has.
            var sample = await db.BackingKeys.AsNoTracking().Where(b => b.Wrapped != null).OrderBy(b => b.KeyArn).ThenBy(b => b.Sequence).FirstOrDefaultAsync(ct);
            if (sample is not null && !hsa.Unwraps(sample.KeyArn, new WrappedBackingKey(sample.MaterialId, sample.Wrapped!)))
            {
                throw Mismatch();
            }

            db.StoreMeta.Add(new StoreMetaRow { Name = MetaName, Value = Convert.ToHexStringLower(hsa.RootKeyCheckValue()) });
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException)
            {
                // Another instance recorded its value first: compare with that.
                db.ChangeTracker.Clear();
                stored = await StoredAsync(db, ct);
            }
        }

        if (stored is null || !Matches(stored, hsa))
        {
            throw Mismatch();
        }
    }

    /// <summary>True when the store holds the HSA's key-check value (for readiness; start-up has recorded it).</summary>
    public static async Task<bool> ChecksOutAsync(KmsDbContext db, IHsa hsa, CancellationToken ct) =>
        await StoredAsync(db, ct) is { } stored && Matches(stored, hsa);

    private static Task<string?> StoredAsync(KmsDbContext db, CancellationToken ct) =>
        db.StoreMeta.AsNoTracking().Where(m => m.Name == MetaName).Select(m => m.Value).FirstOrDefaultAsync(ct);

    private static bool Matches(string stored, IHsa hsa)
    {
        var actual = hsa.RootKeyCheckValue();
        byte[] expected;
        try
        {
            expected = Convert.FromHexString(stored);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, actual);
    }

    private static StartupException Mismatch() => new(
        "The root key is not the one this store was written under (its key-check value differs). "
        + "Start with the original root key (Kms:RootKeyFile or Kms:RootKey); nothing was changed.");
}
