using System.Security.Cryptography;
using KmsService.Core.Keys;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>RSA_2048/3072/4096: RSASSA-PSS (salt length = hash length, as AWS) and PKCS #1 v1.5 signatures,
/// RSAES-OAEP with SHA-1 or SHA-256 (MGF1 with the same hash) encryption.</summary>
internal sealed class RsaScheme : IKeyScheme
{
    public byte[] Generate(KeySpec spec)
    {
        using var rsa = RSA.Create(Bits(spec));
        return rsa.ExportPkcs8PrivateKey();
    }

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material)
    {
        using var rsa = Import(material);
        if (rsa.KeySize != Bits(spec))
        {
            throw new ArgumentException($"The private key is RSA {rsa.KeySize}, not {spec}.", nameof(material));
        }
    }

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material)
    {
        using var rsa = Import(material);
        return rsa.ExportSubjectPublicKeyInfo();
    }

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        using var rsa = Import(material);
        var hash = KeySchemes.Hash(algorithm);
        return messageType switch
        {
            MessageType.Raw => rsa.SignData(message.ToArray(), hash, Padding(algorithm)),
            MessageType.Digest => rsa.SignHash(message.ToArray(), hash, Padding(algorithm)),
            _ => throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "RSA signs RAW and DIGEST messages."),
        };
    }

    public bool Verify(
        KeySpec spec,
        ReadOnlySpan<byte> material,
        SigningAlgorithmSpec algorithm,
        MessageType messageType,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature)
    {
        using var rsa = Import(material);
        var hash = KeySchemes.Hash(algorithm);
        return messageType switch
        {
            MessageType.Raw => rsa.VerifyData(message, signature, hash, Padding(algorithm)),
            MessageType.Digest => rsa.VerifyHash(message, signature, hash, Padding(algorithm)),
            _ => throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "RSA verifies RAW and DIGEST messages."),
        };
    }

    public byte[] Encrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> plaintext)
    {
        using var rsa = Import(material);
        return rsa.Encrypt(plaintext.ToArray(), Oaep(algorithm));
    }

    public bool TryDecrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        using var rsa = Import(material);
        var destination = new byte[rsa.KeySize / 8];
        try
        {
            if (ciphertext.Length == rsa.KeySize / 8 && rsa.TryDecrypt(ciphertext, destination, Oaep(algorithm), out var written))
            {
                plaintext = destination[..written];
                return true;
            }
        }
        catch (CryptographicException)
        {
            // OAEP padding that does not check out: any ciphertext not made with this key and algorithm.
        }
        finally
        {
            CryptographicOperations.ZeroMemory(destination);
        }

        plaintext = [];
        return false;
    }

    /// <summary>The largest plaintext RSAES-OAEP encrypts under <paramref name="spec"/>: k − 2·hLen − 2 (RFC 8017 §7.1.1).</summary>
    public static int MaxPlaintextLength(KeySpec spec, EncryptionAlgorithmSpec algorithm) =>
        (Bits(spec) / 8) - (2 * (algorithm == EncryptionAlgorithmSpec.RsaesOaepSha1 ? 20 : 32)) - 2;

    private static RSA Import(ReadOnlySpan<byte> material)
    {
        var rsa = RSA.Create();
        try
        {
            rsa.ImportPkcs8PrivateKey(material, out var read);
            if (read != material.Length)
            {
                throw new ArgumentException("The private key has trailing bytes.", nameof(material));
            }

            return rsa;
        }
        catch
        {
            rsa.Dispose();
            throw;
        }
    }

    private static int Bits(KeySpec spec) => spec switch
    {
        KeySpec.Rsa2048 => 2048,
        KeySpec.Rsa3072 => 3072,
        KeySpec.Rsa4096 => 4096,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an RSA key spec."),
    };

    private static RSASignaturePadding Padding(SigningAlgorithmSpec algorithm) => algorithm switch
    {
        SigningAlgorithmSpec.RsassaPssSha256 or SigningAlgorithmSpec.RsassaPssSha384 or SigningAlgorithmSpec.RsassaPssSha512 => RSASignaturePadding.Pss,
        SigningAlgorithmSpec.RsassaPkcs1V15Sha256 or SigningAlgorithmSpec.RsassaPkcs1V15Sha384 or SigningAlgorithmSpec.RsassaPkcs1V15Sha512 => RSASignaturePadding.Pkcs1,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not an RSA signing algorithm."),
    };

    private static RSAEncryptionPadding Oaep(EncryptionAlgorithmSpec algorithm) => algorithm switch
    {
        EncryptionAlgorithmSpec.RsaesOaepSha1 => RSAEncryptionPadding.OaepSHA1,
        EncryptionAlgorithmSpec.RsaesOaepSha256 => RSAEncryptionPadding.OaepSHA256,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not an RSA encryption algorithm."),
    };
}
