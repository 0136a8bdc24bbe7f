using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;

namespace KmsService.Operations;

/// <summary>What Encrypt, Decrypt, ReEncrypt and the data-key operations check of a key and request before any
/// cryptography, in AWS's order: key state, key usage, then the algorithm's fit with the key spec.</summary>
internal static class EncryptionRules
{
    /// <summary>Checks that <paramref name="key"/> can encrypt or decrypt with <paramref name="algorithm"/> (validated
    /// as a model enum, SYMMETRIC_DEFAULT when omitted) and returns the algorithm.</summary>
    public static EncryptionAlgorithmSpec EnsureCanUse(KmsKey key, string operation, string? algorithm)
    {
        key.EnsureUsableForCryptography();
        key.EnsureUsage(KeyUsageType.EncryptDecrypt, operation);

        // An asymmetric key has no default: omitted, the algorithm is SYMMETRIC_DEFAULT, which AWS refuses with
        // "Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.".
        var name = algorithm ?? "SYMMETRIC_DEFAULT";
        var spec = WireNames<EncryptionAlgorithmSpec>.Parse(name);
        if (KeySpecs.EncryptionAlgorithms(key.KeySpec, key.KeyUsage)?.Contains(spec) != true)
        {
            throw new InvalidKeyUsageException($"Algorithm {name} is incompatible with key spec {key.KeySpec.Name()}.");
        }

        return spec;
    }

    /// <summary>An encryption context is additional authenticated data of symmetric encryption only; the asymmetric
    /// algorithms have no place for it (API reference, Encrypt: "An encryption context is supported only on operations
    /// with symmetric encryption KMS keys"), so one given with a key pair is refused rather than ignored.</summary>
    public static void EnsureNoEncryptionContext(IReadOnlyDictionary<string, string>? context, string member)
    {
        if (context is { Count: > 0 })
        {
            throw new ValidationException($"{member} is not supported with asymmetric KMS keys.");
        }
    }

    /// <summary>The plaintext limit of an asymmetric algorithm (API reference, Encrypt).</summary>
    public static void EnsurePlaintextFits(KmsKey key, EncryptionAlgorithmSpec algorithm, int length)
    {
        var max = KeySchemes.MaxPlaintextLength(key.KeySpec, algorithm);
        if (length > max)
        {
            throw new ValidationException(
                $"Algorithm {WireNames<EncryptionAlgorithmSpec>.Name(algorithm)} and key spec {key.KeySpec.Name()} cannot encrypt data larger than {max} bytes.");
        }
    }
}
