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

    /// <summary>The key policy document as stored (JSON text); enforced once policies land.</summary>
    public required string Policy { get; set; }

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
    public required byte[] Wrapped { get; set; }
    public required DateTime CreatedAt { get; set; }
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
