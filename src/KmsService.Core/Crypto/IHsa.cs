using KmsService.Core.Keys;

namespace KmsService.Core.Crypto;

/// <summary>The hardware-security-appliance boundary: operations on wrapped backing keys; plaintext keys never leave it.</summary>
/// <remarks>
/// The software implementation is <see cref="SoftwareHsa"/>; a PKCS#11 HSM can stand in its place. A backing key
/// that does not unwrap under the root key (wrong root key, or a wrapped key altered or moved to another key row)
/// is a server fault: every method then throws <see cref="System.Security.Cryptography.CryptographicException"/>,
/// which the service answers as KMSInternalException.
/// </remarks>
public interface IHsa
{
    /// <summary>Generates a fresh 256-bit backing key for <paramref name="keyArn"/> inside the HSA and returns it wrapped.</summary>
    WrappedBackingKey GenerateBackingKey(string keyArn);

    /// <summary>Wraps operator-supplied 256-bit material (seeded keys) for <paramref name="keyArn"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="material"/> is not exactly 32 bytes.</exception>
    WrappedBackingKey ImportBackingKey(string keyArn, ReadOnlySpan<byte> material);

    /// <summary>Generates the private material of a key of <paramref name="spec"/> (a key pair, or an HMAC key) inside the
    /// HSA and returns it wrapped; for SYMMETRIC_DEFAULT the same as <see cref="GenerateBackingKey(string)"/>.</summary>
    WrappedBackingKey GenerateBackingKey(string keyArn, KeySpec spec);

    /// <summary>Wraps operator-supplied material of <paramref name="spec"/>: 32 bytes for SYMMETRIC_DEFAULT, the raw key
    /// for HMAC, a PKCS #8 DER private key for a key pair.</summary>
    /// <exception cref="ArgumentException"><paramref name="material"/> is not material of <paramref name="spec"/>.</exception>
    WrappedBackingKey ImportBackingKey(string keyArn, KeySpec spec, ReadOnlySpan<byte> material);

    /// <summary>Re-wraps a backing key of <paramref name="sourceKeyArn"/> for <paramref name="targetKeyArn"/>, a related
    /// multi-Region key in another region (same partition, account and key id): the material is unwrapped and wrapped
    /// again inside the HSA and never leaves it in clear. The material id stays the same.</summary>
    /// <exception cref="ArgumentException">The two ARNs do not name related multi-Region keys.</exception>
    WrappedBackingKey RewrapBackingKey(string sourceKeyArn, WrappedBackingKey backingKey, string targetKeyArn);

    /// <summary>The public key of a key pair as DER SubjectPublicKeyInfo.</summary>
    byte[] GetPublicKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey);

    /// <summary>Signs a message (RAW), a digest (DIGEST) or an ML-DSA μ (EXTERNAL_MU) with the private key; the caller
    /// has checked that the algorithm fits the key and the message its type.</summary>
    byte[] Sign(string keyArn, KeySpec spec, WrappedBackingKey backingKey, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message);

    /// <summary>True when <paramref name="signature"/> is the key's valid signature of the message.</summary>
    bool Verify(
        string keyArn,
        KeySpec spec,
        WrappedBackingKey backingKey,
        SigningAlgorithmSpec algorithm,
        MessageType messageType,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature);

    /// <summary>Encrypts with the public key of an RSA (or SM2) encryption key: the raw ciphertext AWS returns.</summary>
    byte[] EncryptWithPublicKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> plaintext);

    /// <summary>Decrypts a ciphertext made with the key pair's public key.</summary>
    /// <exception cref="Errors.InvalidCiphertextException">The ciphertext was not made with this key and algorithm.</exception>
    byte[] DecryptWithPrivateKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> ciphertext);

    /// <summary>The MAC of <paramref name="message"/> under an HMAC key.</summary>
    byte[] GenerateMac(string keyArn, KeySpec spec, WrappedBackingKey backingKey, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message);

    /// <summary>True when <paramref name="mac"/> is the key's MAC of the message (compared in fixed time).</summary>
    bool VerifyMac(string keyArn, KeySpec spec, WrappedBackingKey backingKey, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> mac);

    /// <summary>The raw ECDH shared secret of a key agreement key with <paramref name="peerPublicKey"/> (DER SubjectPublicKeyInfo).</summary>
    /// <exception cref="ArgumentException">The peer key is not a valid public key on the key's curve.</exception>
    byte[] DeriveSharedSecret(string keyArn, KeySpec spec, WrappedBackingKey backingKey, ReadOnlySpan<byte> peerPublicKey);

    /// <summary>A fresh data key pair: the private key as PKCS #8 DER (the caller zeroes it) and the public key as DER
    /// SubjectPublicKeyInfo.</summary>
    (byte[] PrivateKey, byte[] PublicKey) GenerateDataKeyPair(DataKeyPairSpec spec);

    /// <summary>Encrypts at most 4096 bytes under a fresh key derived from the backing key; returns the ciphertext blob.</summary>
    byte[] Encrypt(string keyArn, WrappedBackingKey backingKey, ReadOnlySpan<byte> plaintext, EncryptionContext context);

    /// <summary>Decrypts a blob made by <see cref="Encrypt"/> with the same key, backing key and encryption context.</summary>
    /// <exception cref="Errors.InvalidCiphertextException">
    /// The blob is malformed, names another key or backing key, was altered, or the context differs (no message, as AWS).
    /// </exception>
    byte[] Decrypt(string keyArn, WrappedBackingKey backingKey, ReadOnlySpan<byte> blob, EncryptionContext context);

    /// <summary>Drops every cached unwrapped backing key of <paramref name="keyArn"/> (key deletion, key disabled).</summary>
    void Evict(string keyArn);

    /// <summary>A key-check value of the root key: a MAC under it of a fixed label. Stored with the data, it tells at
    /// start-up whether the HSA holds the root key the store was written under, and reveals nothing about it.</summary>
    byte[] RootKeyCheckValue();

    /// <summary>True when <paramref name="backingKey"/> unwraps under the root key for <paramref name="keyArn"/>
    /// (a store written before it had a key-check value is checked this way). Nothing leaves the HSA.</summary>
    bool Unwraps(string keyArn, WrappedBackingKey backingKey);

    /// <summary>Signs an audit digest with the audit signing key, which the HSA derives from the root key and never
    /// exports (HMAC-SHA256 under SP 800-108 KDF(root key, "KmsService audit digest v1")). Anyone who can write the
    /// database but does not hold the root key cannot produce a valid signature.</summary>
    byte[] SignAuditDigest(ReadOnlySpan<byte> digest);

    /// <summary>True when <paramref name="signature"/> is the audit signing key's signature of
    /// <paramref name="digest"/> (compared in fixed time).</summary>
    bool VerifyAuditDigest(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature);

    /// <summary>Wraps an access key's secret (a SigV4 credential, which must be available in plaintext to verify
    /// signatures, so it cannot be hashed) under a key the HSA derives from the root key, with
    /// <paramref name="accessKeyId"/> as associated data: a wrapped secret moved to another access key does not unwrap.</summary>
    byte[] WrapAccessKeySecret(string accessKeyId, string secretAccessKey);

    /// <summary>GetParametersForImport: generates a wrapping key pair of <paramref name="spec"/> for
    /// <paramref name="algorithm"/> and returns its public key with an import token that seals the private key, the
    /// algorithm and <paramref name="validTo"/> under the root key, bound to <paramref name="keyArn"/>.</summary>
    ImportParameters CreateImportParameters(string keyArn, AlgorithmSpec algorithm, WrappingKeySpec spec, DateTimeOffset validTo);

    /// <summary>ImportKeyMaterial: opens the import token, unwraps <paramref name="encryptedKeyMaterial"/> with its private
    /// key, checks that the material is material of <paramref name="keySpec"/> and returns it wrapped as a backing key.</summary>
    /// <exception cref="Errors.InvalidImportTokenException">The token was not issued for this key, or was altered.</exception>
    /// <exception cref="Errors.ExpiredImportTokenException">The token's validity ended before <paramref name="now"/>.</exception>
    /// <exception cref="Errors.InvalidCiphertextException">The material was not wrapped with the token's public key and algorithm.</exception>
    /// <exception cref="Errors.IncorrectKeyMaterialException">The material is not material of <paramref name="keySpec"/>.</exception>
    WrappedBackingKey ImportWrappedKeyMaterial(
        string keyArn, KeySpec keySpec, ReadOnlySpan<byte> importToken, ReadOnlySpan<byte> encryptedKeyMaterial, DateTimeOffset now);

    /// <summary>The secret <see cref="WrapAccessKeySecret"/> wrapped for <paramref name="accessKeyId"/>.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The blob is malformed, altered, wrapped
    /// for another access key or under another root key.</exception>
    string UnwrapAccessKeySecret(string accessKeyId, byte[] wrapped);
}
