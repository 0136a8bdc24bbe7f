namespace KmsService.Storage;

/// <summary>A KMS key row. Enum-valued columns hold the model's wire names.</summary>
internal sealed class KeyRow
{
    public required string Arn { get; set; }
    public required string KeyId { get; set; }
    public required string AccountId { get; set; }
    public required string Region { get; set; }
    public required DateTime CreationDate { get; set; }
    public required string Description { get; set; }
    public required string KeyState { get; set; }
    public required string KeyUsage { get; set; }
    public required string KeySpec { get; set; }
    public required string Origin { get; set; }
    public required string KeyManager { get; set; }
    public DateTime? DeletionDate { get; set; }
    public string? CurrentMaterialId { get; set; }

    /// <summary>Automatic rotation is on (EnableKeyRotation). Kept while the key is disabled or pending deletion,
    /// when no rotation happens, because AWS restores the status once the key is usable again.</summary>
    public bool RotationEnabled { get; set; }

    /// <summary>Days between automatic rotations (90..2560) while <see cref="RotationEnabled"/>, else null.</summary>
    public int? RotationPeriodInDays { get; set; }

    /// <summary>When the next automatic rotation is due while <see cref="RotationEnabled"/>, else null. On-demand
    /// rotations do not move it.</summary>
    public DateTime? NextRotationDate { get; set; }

    /// <summary>PRIMARY or REPLICA (the model's MultiRegionKeyType wire names) for a multi-Region key, null for a
    /// single-Region key. Related multi-Region keys share <see cref="KeyId"/> and <see cref="AccountId"/>.</summary>
    public string? MultiRegionKeyType { get; set; }

    /// <summary>The waiting period of a primary key in state PendingReplicaDeletion, which starts when its last replica
    /// is deleted; null in any other state.</summary>
    public int? PendingDeletionWindowInDays { get; set; }

    /// <summary>The key policy document as stored (JSON text); enforced once policies land.</summary>
    public required string Policy { get; set; }

    /// <summary>Imported (EXTERNAL) key material: KEY_MATERIAL_EXPIRES or KEY_MATERIAL_DOES_NOT_EXPIRE while the key has
    /// its material, else null (KeyMetadata.ExpirationModel).</summary>
    public string? ExpirationModel { get; set; }

    /// <summary>The earliest ValidTo of the key's imported material, else null (KeyMetadata.ValidTo).</summary>
    public DateTime? ValidTo { get; set; }

    /// <summary>Optimistic concurrency token, bumped on every update.</summary>
    public int Version { get; set; }
}

/// <summary>One backing key of a KMS key, wrapped under the root key (never stored in plaintext).</summary>
internal sealed class BackingKeyRow
{
    public required string KeyArn { get; set; }
    public required string MaterialId { get; set; }

    /// <summary>Position in the key's chain, 1 for the first; the highest is the current one.</summary>
    public required int Sequence { get; set; }

    /// <summary>The wrapped material; null for imported material that was deleted or expired (ImportState
    /// PENDING_IMPORT) until the same material is imported again.</summary>
    public required byte[]? Wrapped { get; set; }
    public required DateTime CreatedAt { get; set; }

    /// <summary>Imported material: the model's ExpirationModelType wire name while imported, else null.</summary>
    public string? ExpirationModel { get; set; }

    /// <summary>Imported material that expires: when the expiry sweep deletes it.</summary>
    public DateTime? ValidTo { get; set; }

    /// <summary>Imported material: the KeyMaterialDescription given when it was last imported, else null.</summary>
    public string? KeyMaterialDescription { get; set; }

    /// <summary>Imported NEW_KEY_MATERIAL that RotateKeyOnDemand has not made current yet (KeyMaterialState
    /// PENDING_ROTATION); at most one per key.</summary>
    public bool PendingRotation { get; set; }

    /// <summary>How this backing key was added: null for the key's original material, else the model's RotationType
    /// wire name (AUTOMATIC or ON_DEMAND); <see cref="CreatedAt"/> is then the rotation date.</summary>
    public string? RotationType { get; set; }
}

/// <summary>An alias: a name in an account and region that points at one key.</summary>
internal sealed class AliasRow
{
    public required string AccountId { get; set; }
    public required string Region { get; set; }
    public required string AliasName { get; set; }
    public required string TargetKeyArn { get; set; }
    public required DateTime CreationDate { get; set; }
    public required DateTime LastUpdatedDate { get; set; }
}

/// <summary>A tag on a key.</summary>
internal sealed class TagRow
{
    public required string KeyArn { get; set; }
    public required string TagKey { get; set; }
    public required string TagValue { get; set; }
}

/// <summary>A grant on a key. Operations are the model's names, comma-separated, in the order given; a constraint is a
/// JSON object in one of the two constraint columns (at most one is set).</summary>
internal sealed class GrantRow
{
    public required string GrantId { get; set; }
    public required string KeyArn { get; set; }

    /// <summary>The key's account and region, for ListRetirableGrants (grants in the caller's region, any key account).</summary>
    public required string AccountId { get; set; }
    public required string Region { get; set; }
    public string? Name { get; set; }
    public required string GranteePrincipal { get; set; }
    public string? RetiringPrincipal { get; set; }

    /// <summary>The account the grant was issued under, as <c>arn:PARTITION:iam::ACCOUNT:root</c>.</summary>
    public required string IssuingAccount { get; set; }
    public required string Operations { get; set; }
    public string? EncryptionContextEquals { get; set; }
    public string? EncryptionContextSubset { get; set; }
    public required DateTime CreationDate { get; set; }

    /// <summary>The token CreateGrant returned when it created the grant (later tokens for the same grant, returned to
    /// retries of a named CreateGrant, are not stored: every token carries the grant id).</summary>
    public required string GrantToken { get; set; }
}

/// <summary>A fact about the store itself, such as the key-check value of the root key it is written under.</summary>
internal sealed class StoreMetaRow
{
    public required string Name { get; set; }
    public required string Value { get; set; }
}

/// <summary>An account made through the admin API (seed-file accounts are not stored: the seed file declares them).</summary>
internal sealed class IdentityAccountRow
{
    public required string AccountId { get; set; }
    public required DateTime CreatedAt { get; set; }
}

/// <summary>An IAM user or role made through the admin API.</summary>
internal sealed class IdentityPrincipalRow
{
    public required string Arn { get; set; }
    public required string AccountId { get; set; }
    public required DateTime CreatedAt { get; set; }
}

/// <summary>An access key made through the admin API. The secret is needed in plaintext to verify SigV4, so it is not
/// hashed: it is stored wrapped by the HSA under the root key, bound to the access key id (never in clear).</summary>
internal sealed class IdentityAccessKeyRow
{
    public required string AccessKeyId { get; set; }
    public required string PrincipalArn { get; set; }
    public required byte[] WrappedSecret { get; set; }

    /// <summary><c>Active</c> or <c>Inactive</c> (IAM's StatusType); an inactive key authenticates nothing.</summary>
    public required string Status { get; set; }
    public required DateTime CreatedAt { get; set; }
}

/// <summary>An inline identity policy of an API-made principal, by name (IAM's PutUserPolicy / PutRolePolicy).</summary>
internal sealed class IdentityPolicyRow
{
    public required string PrincipalArn { get; set; }
    public required string PolicyName { get; set; }
    public required string Document { get; set; }
}

/// <summary>A tag of an API-made principal (<c>aws:PrincipalTag/…</c>).</summary>
internal sealed class IdentityPrincipalTagRow
{
    public required string PrincipalArn { get; set; }
    public required string TagKey { get; set; }
    public required string TagValue { get; set; }
}

/// <summary>The last successful cryptographic use of a key (GetKeyLastUsage), written in batches by
/// <see cref="Lifecycle.KeyUsageFlushService"/> and only ever moved forward in time. Goes with its key (cascade).</summary>
internal sealed class KeyLastUsageRow
{
    public required string KeyArn { get; set; }
    public required string Operation { get; set; }

    /// <summary>Unix time in milliseconds: compared in SQL by every writer ("only if newer"), the same on both providers.</summary>
    public required long Timestamp { get; set; }
    public required string CloudTrailEventId { get; set; }
    public required string KmsRequestId { get; set; }
}
