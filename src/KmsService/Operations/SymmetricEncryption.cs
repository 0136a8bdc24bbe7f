using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>SYMMETRIC_DEFAULT encryption: seals under a symmetric key's current backing key, bound to the encryption
/// context, and opens a blob under the backing key it names.</summary>
internal sealed class SymmetricEncryption(KeyStore store, IHsa hsa)
{
    /// <summary>Encrypts under the key's current backing key; returns the blob and the backing key's id.</summary>
    public async Task<(byte[] Blob, string MaterialId)> EncryptAsync(
        KmsKey key, byte[] plaintext, EncryptionContext context, CancellationToken ct)
    {
        // INVARIANT: every symmetric key with state Enabled has a current backing key.
        var materialId = key.CurrentMaterialId
            ?? throw new KMSInvalidStateException($"{key.Arn} is pending import.");
        var backingKey = await store.FindBackingKeyAsync(key.Arn, materialId, ct)
            ?? throw new KMSInternalException("The key's current key material is missing.");
        return (hsa.Encrypt(key.Arn, backingKey, plaintext, context), materialId);
    }

    /// <summary>Decrypts a blob whose key <see cref="CiphertextOpener"/> found, after the caller's checks.</summary>
    public async Task<byte[]> DecryptAsync(KmsKey key, CiphertextHeader header, byte[] blob, EncryptionContext context, CancellationToken ct)
    {
        var backingKey = await store.FindBackingKeyAsync(key.Arn, header.MaterialId, ct)
            ?? throw new InvalidCiphertextException();
        return hsa.Decrypt(key.Arn, backingKey, blob, context);
    }

    /// <summary>The request's encryption context in canonical form; strings that are not valid Unicode
    /// (a lone surrogate) could encode two contexts alike, so they are refused.</summary>
    public static EncryptionContext Context(IReadOnlyDictionary<string, string>? pairs)
    {
        try
        {
            return EncryptionContext.From(pairs);
        }
        catch (ArgumentException)
        {
            throw new ValidationException("EncryptionContext keys and values must be valid Unicode strings.");
        }
    }
}
