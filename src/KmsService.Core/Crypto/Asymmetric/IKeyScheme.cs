using KmsService.Core.Keys;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>The cryptography of one family of key specs on the key's private material (PKCS#8 DER for key pairs, the
/// raw key for HMAC). Used only inside the HSA, which unwraps the material; callers check the algorithm and message
/// rules with AWS's errors first, so a call that breaks them here is a programming error (ArgumentException).</summary>
internal interface IKeyScheme
{
    /// <summary>Fresh private material of <paramref name="spec"/>; the caller zeroes it.</summary>
    byte[] Generate(KeySpec spec);

    /// <summary>Throws ArgumentException unless <paramref name="material"/> is private material of <paramref name="spec"/>
    /// (imported or seeded material).</summary>
    void Validate(KeySpec spec, ReadOnlySpan<byte> material);

    /// <summary>The public key as DER SubjectPublicKeyInfo, as GetPublicKey returns it.</summary>
    byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material) =>
        throw new NotSupportedException($"{spec} keys have no public key.");

    /// <summary>A signature in the form AWS returns (DER for ECDSA and SM2DSA, raw otherwise).</summary>
    byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message) =>
        throw new NotSupportedException($"{spec} keys do not sign.");

    /// <summary>True when <paramref name="signature"/> is a valid signature of the message.</summary>
    bool Verify(
        KeySpec spec,
        ReadOnlySpan<byte> material,
        SigningAlgorithmSpec algorithm,
        MessageType messageType,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature) =>
        throw new NotSupportedException($"{spec} keys do not verify.");

    /// <summary>Public-key encryption, the raw ciphertext AWS returns.</summary>
    byte[] Encrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> plaintext) =>
        throw new NotSupportedException($"{spec} keys do not encrypt.");

    /// <summary>Private-key decryption; false for a ciphertext that does not decrypt.</summary>
    bool TryDecrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> ciphertext, out byte[] plaintext) =>
        throw new NotSupportedException($"{spec} keys do not decrypt.");

    /// <summary>The raw ECDH shared secret with <paramref name="peerPublicKey"/> (DER SubjectPublicKeyInfo).</summary>
    /// <exception cref="ArgumentException">The peer key is not a valid public key on the key's curve.</exception>
    byte[] DeriveSharedSecret(KeySpec spec, ReadOnlySpan<byte> material, ReadOnlySpan<byte> peerPublicKey) =>
        throw new NotSupportedException($"{spec} keys do not agree keys.");

    /// <summary>The MAC of <paramref name="message"/>.</summary>
    byte[] Mac(KeySpec spec, ReadOnlySpan<byte> material, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message) =>
        throw new NotSupportedException($"{spec} keys do not make MACs.");
}
