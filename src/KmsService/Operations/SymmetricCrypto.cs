using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>What Encrypt, Decrypt, ReEncrypt and GenerateDataKey* share: checking a key can encrypt, sealing
/// under its current backing key, and finding and opening the key a ciphertext names.</summary>
internal sealed class SymmetricCrypto(KeyStore store, IHsa hsa, Authorizer authz)
{
    /// <summary>The key-state, usage and algorithm rules of an encrypting operation, in AWS's order.</summary>
    public static void EnsureCanEncrypt(KmsKey key, string operation, string? algorithm)
    {
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.EncryptDecrypt, operation);
        EnsureAlgorithm(key, algorithm);
    }

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

    /// <summary>Finds the key a ciphertext blob was made under. A blob that names no key of the caller's region
    /// is an InvalidCiphertextException, as any tampered byte must be.</summary>
    public async Task<(KmsKey Key, CiphertextHeader Header)> OpenAsync(
        byte[] blob, CallContext call, string action, IReadOnlyDictionary<string, string>? encryptionContext, CancellationToken ct)
    {
        if (!CiphertextBlob.TryReadHeader(blob, out var header))
        {
            throw new InvalidCiphertextException();
        }

        var key = await store.FindAsync(header.KeyArn, ct);

        // Only symmetric keys make ciphertext blobs: a blob naming another kind of key was forged.
        if (key is null || key.Region != call.Region || key.KeySpec != KeySpec.SymmetricDefault)
        {
            throw new InvalidCiphertextException();
        }

        call.UsedKey(key.Arn);
        await authz.DemandAsync(call, action, key, encryptionContext, conditions: null, ct);
        return (key, header);
    }

    /// <summary>Decrypts a blob already opened with <see cref="OpenAsync"/>, after the caller's key-state checks.</summary>
    public async Task<byte[]> DecryptAsync(KmsKey key, CiphertextHeader header, byte[] blob, EncryptionContext context, CancellationToken ct)
    {

        var backingKey = await store.FindBackingKeyAsync(key.Arn, header.MaterialId, ct)
            ?? throw new InvalidCiphertextException();
        return hsa.Decrypt(key.Arn, backingKey, blob, context);
    }

    /// <summary>Symmetric keys support only SYMMETRIC_DEFAULT.</summary>
    public static void EnsureAlgorithm(KmsKey key, string? algorithm)
    {
        if (key.KeySpec != KeySpec.SymmetricDefault)
        {
            throw new UnsupportedOperationException(
                $"KmsService does not yet encrypt with {WireNames<KeySpec>.Name(key.KeySpec)} keys; only SYMMETRIC_DEFAULT keys encrypt.");
        }

        if (algorithm is not null && algorithm != "SYMMETRIC_DEFAULT")
        {
            throw new InvalidKeyUsageException(
                $"Algorithm {algorithm} is incompatible with key spec {WireNames<KeySpec>.Name(key.KeySpec)}.");
        }
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

    public static byte[] RandomBytes(int count) => RandomNumberGenerator.GetBytes(count);

    public static void Clear(byte[]? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
