using KmsService.Core.Errors;

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
    /// <summary>True only in state Enabled, as KeyMetadata.Enabled.</summary>
    public bool Enabled => KeyState == KeyState.Enabled;

    public static string BuildArn(string region, string account, string keyId) =>
        $"arn:{Partition.ForRegion(region)}:kms:{region}:{account}:key/{keyId}";

    /// <summary>Key-state rule for Encrypt, Decrypt, ReEncrypt and GenerateDataKey* (AWS "Key states" table).</summary>
    public void EnsureUsableForCryptography()
    {
        switch (KeyState)
        {
            case KeyState.Enabled:
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
        KeyState.Creating => "creating",
        KeyState.Updating => "updating",
        KeyState.PendingReplicaDeletion => "pending replica deletion",
        _ => state.ToString(),
    };
}
