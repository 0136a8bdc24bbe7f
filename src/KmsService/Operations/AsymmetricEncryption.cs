using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Public-key encryption with an RSA (RSAES_OAEP_SHA_1/256) or SM2 (SM2PKE) key pair: the ciphertext is the
/// raw ciphertext AWS returns, which anyone can make with the public key and only the key pair decrypts.</summary>
internal sealed class AsymmetricEncryption(KeyStore store, IHsa hsa)
{
    public async Task<byte[]> EncryptAsync(KmsKey key, EncryptionAlgorithmSpec algorithm, byte[] plaintext, CancellationToken ct) =>
        hsa.EncryptWithPublicKey(key.Arn, key.KeySpec, await BackingKeyAsync(key, ct), algorithm, plaintext);

    /// <exception cref="InvalidCiphertextException">The ciphertext was not made with this key pair and algorithm.</exception>
    public async Task<byte[]> DecryptAsync(KmsKey key, EncryptionAlgorithmSpec algorithm, byte[] ciphertext, CancellationToken ct) =>
        hsa.DecryptWithPrivateKey(key.Arn, key.KeySpec, await BackingKeyAsync(key, ct), algorithm, ciphertext);

    private async Task<WrappedBackingKey> BackingKeyAsync(KmsKey key, CancellationToken ct)
    {
        // INVARIANT: a key pair is made with its one backing key (its private key), which is never rotated.
        var materialId = key.CurrentMaterialId
            ?? throw new KMSInternalException("The key pair's private key is missing.");
        return await store.FindBackingKeyAsync(key.Arn, materialId, ct)
            ?? throw new KMSInternalException("The key pair's private key is missing.");
    }
}
