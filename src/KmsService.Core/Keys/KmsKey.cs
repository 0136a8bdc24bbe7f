using KmsService.Core.Errors;
using KmsService.Core.Policy;

namespace KmsService.Core.Keys;

/// <summary>A KMS key as the operations see it: identity, metadata and state; its backing keys live in the HSA's wrapped form.</summary>
public sealed record KmsKey(
    string Arn,
    string KeyId,
    string AccountId,
    string Region,
    DateTimeOffset CreationDate,
    string Description,
    KeyState KeyState,
    KeyUsageType KeyUsage,
    KeySpec KeySpec,
    OriginType Origin,
    KeyManagerType KeyManager,
    DateTimeOffset? DeletionDate,
    string? CurrentMaterialId)
{
    /// <summary>The key's tags, for <c>aws:ResourceTag/…</c> conditions (loaded with the key).</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = EmptyTags;

    private static readonly IReadOnlyDictionary<string, string> EmptyTags = new Dictionary<string, string>();

    /// <summary>The names of the aliases that point at the key, for <c>kms:ResourceAliases</c> (loaded with the key).</summary>
    public IReadOnlyList<string> Aliases { get; init; } = [];

    /// <summary>The key policy, parsed once when the key is loaded; null only for keys built in memory by tests.</summary>
    public PolicyDocument? KeyPolicy { get; init; }

    /// <summary>PRIMARY or REPLICA for a multi-Region key, null for a single-Region key.</summary>
    public MultiRegionKeyType? MultiRegionKeyType { get; init; }

    /// <summary>The related multi-Region keys, this one included (loaded with the key; empty for a single-Region key).</summary>
    public IReadOnlyList<MultiRegionKeyRef> RelatedKeys { get; init; } = [];

    /// <summary>The waiting period of a primary key in state PendingReplicaDeletion: it starts when its last replica is
    /// deleted (API reference, KeyMetadata.PendingDeletionWindowInDays).</summary>
    public int? PendingDeletionWindowInDays { get; init; }

    /// <summary>Imported (EXTERNAL) key material: whether it expires, while the key has its material; else null.</summary>
    public ExpirationModelType? ExpirationModel { get; init; }

    /// <summary>The earliest time any of the key's imported material expires, else null.</summary>
    public DateTimeOffset? ValidTo { get; init; }

    /// <summary>True in state Enabled, and while a primary Region update runs (Updating starts from Enabled, keeps the
    /// key usable in cryptographic operations and restores Enabled: Developer Guide, "Change the primary key").</summary>
    public bool Enabled => KeyState is KeyState.Enabled or KeyState.Updating;

    /// <summary>The ARN of key <paramref name="keyId"/> in the partition of <paramref name="region"/>.</summary>
    public static string BuildArn(string region, string account, string keyId) =>
        BuildArn(Partition.ForRegion(region), region, account, keyId);

    /// <summary>The ARN of key <paramref name="keyId"/> where the region's partition is known already (a request's).</summary>
    public static string BuildArn(string partition, string region, string account, string keyId) =>
        $"arn:{partition}:kms:{region}:{account}:key/{keyId}";

    /// <summary>Key-state rule for Encrypt, Decrypt, ReEncrypt and GenerateDataKey* (AWS "Key states" table).</summary>
    public void EnsureUsableForCryptography()
    {
        switch (KeyState)
        {
            case KeyState.Enabled:
            case KeyState.Updating:
                return;
            case KeyState.Disabled:
                throw new DisabledException($"{Arn} is disabled.");
            case KeyState.PendingDeletion:
                throw new KMSInvalidStateException($"{Arn} is pending deletion.");
            case KeyState.PendingImport:
                throw new KMSInvalidStateException($"{Arn} is pending import.");
            case KeyState.Unavailable:
                throw new KMSInvalidStateException($"{Arn} is unavailable.");
            default:
                throw new KMSInvalidStateException($"{Arn} is {StateWords(KeyState)}.");
        }
    }

    /// <summary>EnableKey: Disabled (or Enabled) becomes Enabled; not while pending deletion or import.</summary>
    public KmsKey Enable()
    {
        EnsureNotPendingDeletionOrImport();
        return this with { KeyState = KeyState.Enabled };
    }

    /// <summary>DisableKey: Enabled (or Disabled) becomes Disabled; not while pending deletion or import.</summary>
    public KmsKey Disable()
    {
        EnsureNotPendingDeletionOrImport();
        return this with { KeyState = KeyState.Disabled };
    }

    /// <summary>ScheduleKeyDeletion: the key becomes PendingDeletion until <paramref name="deletionDate"/>.</summary>
    public KmsKey ScheduleDeletion(DateTimeOffset deletionDate)
    {
        EnsureNotPendingDeletion();
        return this with { KeyState = KeyState.PendingDeletion, DeletionDate = deletionDate };
    }

    /// <summary>ScheduleKeyDeletion of a multi-Region primary key that still has replicas: the key becomes
    /// PendingReplicaDeletion, and its waiting period of <paramref name="windowInDays"/> begins only when its last
    /// replica is deleted (API reference, ScheduleKeyDeletion).</summary>
    public KmsKey ScheduleDeletionAfterReplicas(int windowInDays)
    {
        EnsureNotPendingDeletion();
        return this with { KeyState = KeyState.PendingReplicaDeletion, DeletionDate = null, PendingDeletionWindowInDays = windowInDays };
    }

    /// <summary>CancelKeyDeletion: a key pending deletion (or pending replica deletion) becomes Disabled (not Enabled), as on AWS;
    /// an EXTERNAL key that lacks some of its imported material (which it has exactly while <see cref="ExpirationModel"/>
    /// is set) becomes PendingImport.</summary>
    public KmsKey CancelDeletion()
    {
        if (KeyState is not (KeyState.PendingDeletion or KeyState.PendingReplicaDeletion))
        {
            throw new KMSInvalidStateException($"{Arn} is not pending deletion.");
        }

        var state = Origin == OriginType.External && ExpirationModel is null ? KeyState.PendingImport : KeyState.Disabled;
        return this with { KeyState = state, DeletionDate = null, PendingDeletionWindowInDays = null };
    }

    /// <summary>Origin rule of GetParametersForImport, ImportKeyMaterial and DeleteImportedKeyMaterial: only EXTERNAL
    /// keys take imported material (wording recorded from AWS for an AWS_KMS key).</summary>
    public void EnsureOriginExternal()
    {
        if (Origin != OriginType.External)
        {
            throw new UnsupportedOperationException($"{Arn} origin is {WireNames<OriginType>.Name(Origin)} which is not valid for this operation.");
        }
    }

    /// <summary>Key-state rule of GetParametersForImport and ImportKeyMaterial (AWS "Key states" table): Enabled,
    /// Disabled and PendingImport keys take (re)imported material; not while pending deletion.</summary>
    public void EnsureImportAllowed()
    {
        EnsureOriginExternal();
        switch (KeyState)
        {
            case KeyState.Enabled or KeyState.Disabled or KeyState.PendingImport:
                return;
            case KeyState.PendingDeletion:
                throw new KMSInvalidStateException($"{Arn} is pending deletion.");
            case KeyState.Unavailable:
                throw new KMSInvalidStateException($"{Arn} is unavailable.");
            default:
                throw new KMSInvalidStateException($"{Arn} is {StateWords(KeyState)}.");
        }
    }

    /// <summary>The key after its imported material changed: PendingImport while any of its material is missing (unless
    /// pending deletion, which DeleteImportedKeyMaterial leaves as it is), Enabled once a PendingImport key has all of
    /// it again; <paramref name="expirationModel"/> and <paramref name="validTo"/> only while it has all of it.</summary>
    public KmsKey WithImportedMaterial(bool allImported, ExpirationModelType? expirationModel, DateTimeOffset? validTo)
    {
        var state = KeyState switch
        {
            KeyState.PendingImport when allImported => KeyState.Enabled,
            KeyState.Enabled or KeyState.Disabled when !allImported => KeyState.PendingImport,
            _ => KeyState,
        };
        return this with
        {
            KeyState = state,
            ExpirationModel = allImported ? expirationModel : null,
            ValidTo = allImported ? validTo : null,
        };
    }

    /// <summary>Key-state rule of operations that change a key but are refused while it is pending deletion
    /// (CreateAlias, TagResource, UntagResource, UpdateKeyDescription, …).</summary>
    public void EnsureNotPendingDeletion()
    {
        if (KeyState is KeyState.PendingDeletion or KeyState.PendingReplicaDeletion)
        {
            throw new KMSInvalidStateException($"{Arn} is {StateWords(KeyState)}.");
        }
    }

    // EnableKey and DisableKey are refused while a replica is being created or a primary Region update runs too
    // (API reference, ReplicateKey and UpdatePrimaryRegion).
    private void EnsureNotPendingDeletionOrImport()
    {
        EnsureNotPendingDeletion();
        if (KeyState is KeyState.PendingImport or KeyState.Creating or KeyState.Updating)
        {
            throw new KMSInvalidStateException($"{Arn} is {StateWords(KeyState)}.");
        }
    }

    /// <summary>Throws unless the key is a multi-Region primary key: replicating it, updating its primary Region and
    /// changing the rotation shared by its replicas are the primary's (wording recorded from AWS for ReplicateKey).</summary>
    public void EnsureMultiRegionPrimary()
    {
        if (MultiRegionKeyType != Keys.MultiRegionKeyType.Primary)
        {
            throw new UnsupportedOperationException($"{Arn} is not a multi-region primary key.");
        }
    }

    /// <summary>Key-state and key-kind rule of EnableKeyRotation, DisableKeyRotation and RotateKeyOnDemand (AWS "Key
    /// states" table; the state is checked before the key spec, as recorded from AWS).</summary>
    public void EnsureRotationChangeable()
    {
        switch (KeyState)
        {
            case KeyState.Enabled:
                break;
            case KeyState.Disabled:
                throw new DisabledException($"{Arn} is disabled.");
            case KeyState.PendingDeletion:
                throw new KMSInvalidStateException($"{Arn} is pending deletion.");
            case KeyState.PendingImport:
                // Recorded from AWS in 2025 for an EXTERNAL key without material (older tables said UnsupportedOperation).
                throw new KMSInvalidStateException($"{Arn} is pending import.");
            case KeyState.Unavailable:
                throw new UnsupportedOperationException();
            default:
                throw new KMSInvalidStateException($"{Arn} is {StateWords(KeyState)}.");
        }

        EnsureRotationSupported();

        // Rotation is a shared property of multi-Region keys, set on the primary (API reference, EnableKeyRotation).
        if (MultiRegionKeyType == Keys.MultiRegionKeyType.Replica)
        {
            EnsureMultiRegionPrimary();
        }

        if (KeyManager == KeyManagerType.Aws)
        {
            // AWS rotates its managed keys every year; their rotation cannot be configured or requested.
            throw new UnsupportedOperationException($"{Arn} is an AWS managed key: KMS rotates it every year and its rotation cannot be changed.");
        }
    }

    /// <summary>EnableKeyRotation: imported (EXTERNAL) key material rotates on demand only, never automatically; AWS
    /// answers with its wording for an operation the key's origin does not allow.</summary>
    public void EnsureAutomaticRotationSupported()
    {
        if (Origin == OriginType.External)
        {
            throw new UnsupportedOperationException($"{Arn} origin is EXTERNAL which is not valid for this operation.");
        }
    }

    /// <summary>Key-state and key-kind rule of GetKeyRotationStatus: any state but PendingImport and Unavailable.</summary>
    public void EnsureRotationStatusReadable()
    {
        if (KeyState is KeyState.PendingImport or KeyState.Unavailable)
        {
            throw new UnsupportedOperationException();
        }

        EnsureRotationSupported();
    }

    /// <summary>Only symmetric encryption keys rotate; AWS answers UnsupportedOperationException without a message.</summary>
    public void EnsureRotationSupported()
    {
        if (KeySpec != KeySpec.SymmetricDefault)
        {
            throw new UnsupportedOperationException();
        }
    }

    /// <summary>Throws InvalidKeyUsageException unless the key's usage is <paramref name="usage"/>.</summary>
    public void EnsureUsage(KeyUsageType usage, string operation)
    {
        if (KeyUsage != usage)
        {
            throw new InvalidKeyUsageException(
                $"{Arn} key usage is {WireNames<KeyUsageType>.Name(KeyUsage)} which is not valid for {operation}.");
        }
    }

    private static string StateWords(KeyState state) => state switch
    {
        KeyState.PendingDeletion => "pending deletion",
        KeyState.PendingImport => "pending import",
        KeyState.Creating => "creating",
        KeyState.Updating => "updating",
        KeyState.PendingReplicaDeletion => "pending replica deletion",
        _ => state.ToString(),
    };
}

/// <summary>One key of a set of related multi-Region keys, as MultiRegionConfiguration lists it.</summary>
public sealed record MultiRegionKeyRef(string Arn, string Region, MultiRegionKeyType Type);
