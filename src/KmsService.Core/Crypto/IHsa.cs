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

    /// <summary>The secret <see cref="WrapAccessKeySecret"/> wrapped for <paramref name="accessKeyId"/>.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The blob is malformed, altered, wrapped
    /// for another access key or under another root key.</exception>
    string UnwrapAccessKeySecret(string accessKeyId, byte[] wrapped);
}
