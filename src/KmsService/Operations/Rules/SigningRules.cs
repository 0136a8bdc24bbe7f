using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations.Rules;

/// <summary>What Sign and Verify check after authorization, in AWS's order: key state, key usage (before algorithm
/// fit, as recorded from AWS), the algorithm against the key spec, and the message against its MessageType.</summary>
internal static class SigningRules
{
    /// <summary>The MessageType a request that names none gets, as AWS (API reference, Sign: MessageType).</summary>
    public const string DefaultMessageType = "RAW";

    /// <summary>The members Sign and Verify share, with the model's limits: KeyId, Message (PlaintextType, 1..4096
    /// bytes, never echoed) and MessageType.</summary>
    public static Validator SignedMessage(this Validator v, string? keyId, byte[]? message, string? messageType) =>
        v.KeyId(keyId, "keyId")
            .NotNull(message, "message").Length(message, 1, 4096, "message")
            .Enum<MessageType>(messageType, "messageType");

    /// <summary>Every rule of a signing operation; <paramref name="operation"/> is "Sign" or "Verify".</summary>
    public static void EnsureCanSign(KmsKey key, string operation, SigningAlgorithmSpec algorithm, MessageType messageType, int messageLength)
    {
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.SignVerify, operation);
        EnsureAlgorithmFits(key.KeySpec, algorithm);
        EnsureMessageFits(algorithm, messageType, messageLength);
    }

    /// <summary>The algorithm must be one the key spec lists (KeyMetadata.SigningAlgorithms); AWS answers
    /// InvalidKeyUsageException "Algorithm X is incompatible with key spec Y.".</summary>
    public static void EnsureAlgorithmFits(KeySpec spec, SigningAlgorithmSpec algorithm)
    {
        if (KeySpecs.SigningAlgorithms(spec, KeyUsageType.SignVerify)?.Contains(algorithm) != true)
        {
            throw new InvalidKeyUsageException(
                $"Algorithm {WireNames<SigningAlgorithmSpec>.Name(algorithm)} is incompatible with key spec {WireNames<KeySpec>.Name(spec)}.");
        }
    }

    /// <summary>
    /// The message types each algorithm accepts and the message length they demand (API reference, Sign: MessageType):
    /// RAW takes any message of 1..4096 bytes, except with ED25519_PH_SHA_512, which takes only DIGEST; DIGEST must be
    /// exactly one hash of the algorithm (SHA-256/384/512, SM3 for SM2DSA) and is refused by ED25519_SHA_512 (pure
    /// Ed25519, RAW only) and ML_DSA_SHAKE_256; EXTERNAL_MU is ML-DSA's 64-byte μ (FIPS 204 §6.2) and nothing else's.
    /// </summary>
    public static void EnsureMessageFits(SigningAlgorithmSpec algorithm, MessageType messageType, int messageLength)
    {
        if (!Accepts(algorithm, messageType))
        {
            // Wording as recorded from AWS for Ed25519 with the other message type.
            throw new ValidationException(
                $"Message type {WireNames<MessageType>.Name(messageType)} is incompatible with algorithm {WireNames<SigningAlgorithmSpec>.Name(algorithm)}.");
        }

        if (messageType != MessageType.Raw && messageLength != DigestLength(algorithm))
        {
            throw new ValidationException($"Digest is invalid length for algorithm {WireNames<SigningAlgorithmSpec>.Name(algorithm)}.");
        }
    }

    /// <summary>The length of a DIGEST (or EXTERNAL_MU) message for <paramref name="algorithm"/>, in bytes.</summary>
    public static int DigestLength(SigningAlgorithmSpec algorithm) => algorithm switch
    {
        SigningAlgorithmSpec.RsassaPssSha256 or SigningAlgorithmSpec.RsassaPkcs1V15Sha256 or SigningAlgorithmSpec.EcdsaSha256 => 32,
        SigningAlgorithmSpec.RsassaPssSha384 or SigningAlgorithmSpec.RsassaPkcs1V15Sha384 or SigningAlgorithmSpec.EcdsaSha384 => 48,
        SigningAlgorithmSpec.RsassaPssSha512 or SigningAlgorithmSpec.RsassaPkcs1V15Sha512 or SigningAlgorithmSpec.EcdsaSha512 => 64,

        // SM3 digests are 32 bytes (GB/T 32905); Ed25519ph's prehash is SHA-512 (RFC 8032 §5.1); μ is 64 bytes (FIPS 204 §6.2).
        SigningAlgorithmSpec.Sm2Dsa => 32,
        SigningAlgorithmSpec.Ed25519PhSha512 or SigningAlgorithmSpec.Ed25519Sha512 => 64,
        SigningAlgorithmSpec.MlDsaShake256 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a signing algorithm."),
    };

    private static bool Accepts(SigningAlgorithmSpec algorithm, MessageType messageType) => algorithm switch
    {
        SigningAlgorithmSpec.Ed25519Sha512 => messageType == MessageType.Raw,
        SigningAlgorithmSpec.Ed25519PhSha512 => messageType == MessageType.Digest,
        SigningAlgorithmSpec.MlDsaShake256 => messageType is MessageType.Raw or MessageType.ExternalMu,
        _ => messageType is MessageType.Raw or MessageType.Digest,
    };
}
