using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Finds the wrapped private material of a key pair or HMAC key (its one backing key) for the HSA.</summary>
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
}
