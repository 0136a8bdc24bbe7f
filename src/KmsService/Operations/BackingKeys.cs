using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Finds the wrapped private material of a key pair or HMAC key (its one backing key) for the HSA, and words
/// AWS's error for an algorithm the key spec does not offer.</summary>
internal static class BackingKeys
{
    /// <summary>The key's current backing key; call after the key-state rules, which refuse a key without one.</summary>
    public static async Task<WrappedBackingKey> CurrentAsync(this KeyStore store, KmsKey key, CancellationToken ct)
    {
        // INVARIANT: a key in state Enabled has a current backing key.
        var materialId = key.CurrentMaterialId ?? throw new KMSInvalidStateException($"{key.Arn} is pending import.");
        return await store.FindBackingKeyAsync(key.Arn, materialId, ct)
            ?? throw new KMSInternalException("The key's current key material is missing.");
    }

    /// <summary>"Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224." (recorded from AWS).</summary>
    public static InvalidKeyUsageException IncompatibleAlgorithm(string algorithm, KeySpec spec) =>
        new($"Algorithm {algorithm} is incompatible with key spec {spec.Name()}.");
}
