using KmsService.Core.Keys;

namespace KmsService.Operations;

/// <summary>Model shape <c>KeyMetadata</c>: every field AWS returns for the kinds of key KmsService holds.</summary>
internal sealed record KeyMetadata
{
    public required string AWSAccountId { get; init; }
    public required string KeyId { get; init; }
    public required string Arn { get; init; }
    public required DateTimeOffset CreationDate { get; init; }
    public required bool Enabled { get; init; }
    public required string Description { get; init; }
    public required KeyUsageType KeyUsage { get; init; }
    public required KeyState KeyState { get; init; }
    public DateTimeOffset? DeletionDate { get; init; }
    public required OriginType Origin { get; init; }
    public required KeyManagerType KeyManager { get; init; }
    public required KeySpec CustomerMasterKeySpec { get; init; }
    public required KeySpec KeySpec { get; init; }
    public IReadOnlyList<EncryptionAlgorithmSpec>? EncryptionAlgorithms { get; init; }
    public IReadOnlyList<SigningAlgorithmSpec>? SigningAlgorithms { get; init; }
    public IReadOnlyList<KeyAgreementAlgorithmSpec>? KeyAgreementAlgorithms { get; init; }
    public required bool MultiRegion { get; init; }
    public IReadOnlyList<MacAlgorithmSpec>? MacAlgorithms { get; init; }
    public string? CurrentKeyMaterialId { get; init; }
    public MultiRegionConfiguration? MultiRegionConfiguration { get; init; }
    public int? PendingDeletionWindowInDays { get; init; }
    public DateTimeOffset? ValidTo { get; init; }
    public ExpirationModelType? ExpirationModel { get; init; }

    public static KeyMetadata From(KmsKey key) => new()
    {
        AWSAccountId = key.AccountId,
        KeyId = key.KeyId,
        Arn = key.Arn,
        CreationDate = key.CreationDate,
        Enabled = key.Enabled,
        Description = key.Description,
        KeyUsage = key.KeyUsage,
        KeyState = key.KeyState,
        DeletionDate = key.KeyState == KeyState.PendingDeletion ? key.DeletionDate : null,
        Origin = key.Origin,
        KeyManager = key.KeyManager,
        CustomerMasterKeySpec = key.KeySpec,
        KeySpec = key.KeySpec,
        EncryptionAlgorithms = KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage),
        SigningAlgorithms = KeySpecs.SigningAlgorithms(key.KeySpec, key.KeyUsage),
        KeyAgreementAlgorithms = KeySpecs.KeyAgreementAlgorithms(key.KeySpec, key.KeyUsage),
        MacAlgorithms = KeySpecs.MacAlgorithms(key.KeySpec),
        MultiRegion = key.MultiRegionKeyType is not null,
        CurrentKeyMaterialId = key.KeySpec == KeySpec.SymmetricDefault && key.KeyState != KeyState.Creating ? key.CurrentMaterialId : null,
        MultiRegionConfiguration = MultiRegionConfiguration.Of(key),
        PendingDeletionWindowInDays = key.KeyState == KeyState.PendingReplicaDeletion ? key.PendingDeletionWindowInDays : null,

        // Present for EXTERNAL keys while they have their material; ValidTo only when it expires (KeyMetadata shape).
        ExpirationModel = key.ExpirationModel,
        ValidTo = key.ExpirationModel == ExpirationModelType.KeyMaterialExpires ? key.ValidTo : null,
    };
}

/// <summary>Model shape <c>MultiRegionKey</c>.</summary>
internal sealed record MultiRegionKey(string Arn, string Region);

/// <summary>Model shape <c>MultiRegionConfiguration</c>: the key's type, its primary and every replica (this key
/// included where it is one).</summary>
internal sealed record MultiRegionConfiguration(MultiRegionKeyType MultiRegionKeyType, MultiRegionKey? PrimaryKey, IReadOnlyList<MultiRegionKey> ReplicaKeys)
{
    public static MultiRegionConfiguration? Of(KmsKey key)
    {
        if (key.MultiRegionKeyType is not { } type)
        {
            return null;
        }

        var primary = key.RelatedKeys.FirstOrDefault(r => r.Type == MultiRegionKeyType.Primary);
        return new MultiRegionConfiguration(
            type,
            primary is null ? null : new MultiRegionKey(primary.Arn, primary.Region),
            [.. key.RelatedKeys.Where(r => r.Type == MultiRegionKeyType.Replica).Select(r => new MultiRegionKey(r.Arn, r.Region))]);
    }
}
