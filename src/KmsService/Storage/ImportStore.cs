using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>How ImportKeyMaterial was asked to import: NEW_KEY_MATERIAL (true), EXISTING_KEY_MATERIAL (false) or the
/// default (null: new for the first material, existing after), the KeyMaterialId the caller named, and the expiry and
/// description the material gets.</summary>
internal sealed record ImportOptions(
    bool? NewMaterial, string? NamedMaterialId, ExpirationModelType ExpirationModel, DateTimeOffset? ValidTo, string? Description);

/// <summary>Imported key material of EXTERNAL keys: imports, deletions and expiry. Each change claims the key row first
/// with a conditional UPDATE (as <see cref="RotationStore"/> does), then decides on the fresh rows inside the same
/// transaction, so concurrent imports, deletions and sweeps of one key run one after another and a crash leaves the
/// key either as it was or fully changed.</summary>
internal sealed class ImportStore(KmsDbFactory db, KeyStore keys, ChangeFeed changes)
{
    /// <summary>Stores <paramref name="material"/> (already checked to be material of the key's spec) as
    /// <paramref name="options"/> say; returns the key as it now is.</summary>
    public async Task<KmsKey> ImportAsync(
        string arn, WrappedBackingKey material, ImportOptions options, DateTimeOffset now, AuditInTransaction? audit, CancellationToken ct)
    {
        var changed = await ChangeAsync(arn, audit, (key, rows, ctx) =>
        {
            key.EnsureImportAllowed();
            var existing = rows.FirstOrDefault(r => r.MaterialId == material.MaterialId);
            var isNew = options.NewMaterial ?? rows.Count == 0;
            if (options.NamedMaterialId is { } named && named != material.MaterialId)
            {
                throw new IncorrectKeyMaterialException(
                    $"The key material is not the key material {named} of {key.Arn}: its key material id is another.");
            }

            BackingKeyRow row;
            if (!isNew)
            {
                row = existing ?? throw new IncorrectKeyMaterialException(
                    rows.Count == 0
                        ? $"No key material has been imported into {key.Arn} yet: import it with ImportType NEW_KEY_MATERIAL."
                        : $"The key material is not key material of {key.Arn}. Import the key material that was imported before, or NEW_KEY_MATERIAL.");
            }
            else if (existing is not null)
            {
                throw new IncorrectKeyMaterialException(
                    $"The key material is already associated with {key.Arn} (key material id {existing.MaterialId}): import it with ImportType EXISTING_KEY_MATERIAL.");
            }
            else
            {
                if (rows.Count > 0 && key.KeySpec != KeySpec.SymmetricDefault)
                {
                    // Asymmetric and HMAC keys hold one material for good (ImportKeyMaterial API reference).
                    throw new IncorrectKeyMaterialException(
                        $"The key material is not the key material of {key.Arn}: the key material of a {WireNames<KeySpec>.Name(key.KeySpec)} key cannot change after its first import.");
                }

                if (rows.FirstOrDefault(r => r.PendingRotation) is { } pending)
                {
                    // Recorded from AWS: the bare key id, not the ARN.
                    throw new KMSInvalidStateException(
                        $"New key material (id: {material.MaterialId}) cannot be imported into KMS key {key.KeyId}, because another key material (id: {pending.MaterialId}) is pending rotation.");
                }

                row = new BackingKeyRow
                {
                    KeyArn = key.Arn,
                    MaterialId = material.MaterialId,
                    Sequence = rows.Count == 0 ? 1 : rows.Max(r => r.Sequence) + 1,
                    Wrapped = null,
                    CreatedAt = now.UtcDateTime,
                    PendingRotation = rows.Count > 0,
                };
                ctx.BackingKeys.Add(row);
                rows.Add(row);
            }

            row.Wrapped = material.Wrapped;
            row.ExpirationModel = WireNames<ExpirationModelType>.Name(options.ExpirationModel);
            row.ValidTo = options.ValidTo?.UtcDateTime;
            row.KeyMaterialDescription = options.Description ?? row.KeyMaterialDescription;
            return (key.CurrentMaterialId ?? material.MaterialId, material.MaterialId);
        }, ct);
        return changed!;
    }

    /// <summary>Deletes imported material (the current one when <paramref name="materialId"/> is null); returns the key
    /// as it now is and the id of the material deleted. Deleting material that is already deleted changes nothing.</summary>
    public async Task<(KmsKey Key, string MaterialId)> DeleteAsync(string arn, string? materialId, AuditInTransaction? audit, CancellationToken ct)
    {
        string? deleted = null;
        var key = await ChangeAsync(arn, audit, (key, rows, _) =>
        {
            key.EnsureOriginExternal();
            var id = materialId ?? key.CurrentMaterialId ?? throw new KMSInvalidStateException($"{key.Arn} is pending import.");
            var row = rows.FirstOrDefault(r => r.MaterialId == id)
                ?? throw new NotFoundException($"Key material '{id}' is not associated with {key.Arn}.");
            Clear(row);
            deleted = id;
            return (key.CurrentMaterialId, id);
        }, ct);
        return (key!, deleted!);
    }

    /// <summary>Imported material whose ValidTo has passed, oldest first.</summary>
    public async Task<IReadOnlyList<(string Arn, string MaterialId)>> ListExpiredAsync(DateTimeOffset now, int max, CancellationToken ct)
    {
        await using var ctx = db.Create();
        var cutoff = now.UtcDateTime;
        var rows = await ctx.BackingKeys.AsNoTracking()
            .Where(b => b.ValidTo != null && b.ValidTo <= cutoff && b.Wrapped != null)
            .OrderBy(b => b.ValidTo)
            .Take(max)
            .Select(b => new { b.KeyArn, b.MaterialId })
            .ToListAsync(ct);
        return [.. rows.Select(r => (r.KeyArn, r.MaterialId))];
    }

    /// <summary>Deletes imported material whose ValidTo has passed, as DeleteImportedKeyMaterial would; the condition is
    /// checked again inside the transaction, so material re-imported meanwhile, or that another instance deleted
    /// first, is left alone. Returns whether this call deleted it.</summary>
    public async Task<bool> ExpireIfDueAsync(string arn, string materialId, DateTimeOffset now, AuditInTransaction? audit, CancellationToken ct)
    {
        try
        {
            var changed = await ChangeAsync(arn, audit, (key, rows, _) =>
            {
                var row = rows.FirstOrDefault(r => r.MaterialId == materialId);
                if (row is not { Wrapped: not null, ValidTo: { } validTo } || validTo > now.UtcDateTime)
                {
                    return null;
                }

                Clear(row);
                return (key.CurrentMaterialId, materialId);
            }, ct);
            return changed is not null;
        }
        catch (NotFoundException)
        {
            // The key was deleted meanwhile.
            return false;
        }
    }

    /// <summary>Claims the key row, lets <paramref name="change"/> change the key's backing-key rows (it returns the
    /// current material id and the id of the material it changed, or null to change nothing), settles the key's state and expiry from them, and
    /// commits with the audit record.</summary>
    private async Task<KmsKey?> ChangeAsync(
        string arn,
        AuditInTransaction? audit,
        Func<KmsKey, List<BackingKeyRow>, KmsDbContext, (string? Current, string Changed)?> change,
        CancellationToken ct)
    {
        await using var ctx = db.Create();
        await using var tx = await ctx.Database.BeginTransactionAsync(ct);

        // Claim the row first (the UPDATE takes its lock), so the decision below sees no concurrent change.
        var claimed = await ctx.Keys.Where(k => k.Arn == arn)
            .ExecuteUpdateAsync(u => u.SetProperty(k => k.Version, k => k.Version + 1), ct);
        if (claimed == 0)
        {
            throw new NotFoundException($"Key '{arn}' does not exist");
        }

        var keyRow = await ctx.Keys.FirstAsync(k => k.Arn == arn, ct);
        var rows = await ctx.BackingKeys.Where(b => b.KeyArn == arn).ToListAsync(ct);
        if (change(KeyStore.ToKey(keyRow), rows, ctx) is not { } outcome)
        {
            // Nothing to change: the transaction rolls back with the claim.
            return null;
        }

        var (current, changed) = outcome;
        var allImported = rows.Count > 0 && rows.All(r => r.Wrapped is not null);
        var expires = rows.Any(r => r.ExpirationModel == ExpiresName);
        var validTo = rows.Where(r => r.ValidTo is not null).Select(r => (DateTime?)r.ValidTo).Min();
        var next = KeyStore.ToKey(keyRow).WithImportedMaterial(
            allImported,
            expires ? ExpirationModelType.KeyMaterialExpires : ExpirationModelType.KeyMaterialDoesNotExpire,
            validTo is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null);
        keyRow.KeyState = next.KeyState.ToString();
        keyRow.ExpirationModel = next.ExpirationModel is { } model ? WireNames<ExpirationModelType>.Name(model) : null;
        keyRow.ValidTo = next.ValidTo?.UtcDateTime;
        keyRow.CurrentMaterialId = current;
        await ctx.SaveChangesAsync(ct);
        await changes.PublishAsync(ctx, StoreChange.Key(arn), ct);
        await AuditInTransaction.CommitAsync(tx, ctx, audit, ct);
        keys.Invalidate(arn);
        keys.InvalidateBackingKey(arn, changed);
        return KeyStore.ToKey(keyRow);
    }

    private static readonly string ExpiresName = WireNames<ExpirationModelType>.Name(ExpirationModelType.KeyMaterialExpires);

    private static void Clear(BackingKeyRow row)
    {
        row.Wrapped = null;
        row.ExpirationModel = null;
        row.ValidTo = null;
    }
}
