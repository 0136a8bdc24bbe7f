using KmsService.Core.Keys;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>The scheme of each key spec other than SYMMETRIC_DEFAULT.</summary>
public static class KeySchemes
{
    private static readonly RsaScheme Rsa = new();
    private static readonly EcScheme Ec = new();
    private static readonly HmacScheme Hmac = new();
    private static readonly Ed25519Scheme Ed25519 = new();
    private static readonly MlDsaScheme MlDsa = new();
    private static readonly Sm2Scheme Sm2 = new();

    /// <summary>True when KmsService can create and use keys of <paramref name="spec"/>.</summary>
    public static bool Supports(KeySpec spec) => spec == KeySpec.SymmetricDefault || TryFor(spec) is not null;

    /// <summary>True when <paramref name="material"/> is private material of <paramref name="spec"/> (32 bytes for
    /// SYMMETRIC_DEFAULT, the key for HMAC, PKCS #8 DER for a key pair): what a seed file may pin.</summary>
    public static bool IsValidMaterial(KeySpec spec, ReadOnlySpan<byte> material)
    {
        if (spec == KeySpec.SymmetricDefault)
        {
            return material.Length == SoftwareHsa.KeyLength;
        }

        try
        {
            For(spec).Validate(spec, material);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or System.Security.Cryptography.CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The scheme of <paramref name="spec"/>.</summary>
    internal static IKeyScheme For(KeySpec spec) =>
        TryFor(spec) ?? throw new NotSupportedException($"KmsService has no scheme for {spec} keys.");

    private static IKeyScheme? TryFor(KeySpec spec) =>
        KeySpecs.IsRsa(spec) ? Rsa
        : KeySpecs.IsWeierstrassEcc(spec) ? Ec
        : KeySpecs.IsHmac(spec) ? Hmac
        : spec == KeySpec.EccNistEdwards25519 ? Ed25519
        : KeySpecs.IsMlDsa(spec) ? MlDsa
        : spec == KeySpec.Sm2 ? Sm2
        : null;

    /// <summary>The largest plaintext Encrypt takes under a key of <paramref name="spec"/> with <paramref name="algorithm"/>
    /// (API reference, Encrypt: 4096 bytes for SYMMETRIC_DEFAULT, 1024 for SM2PKE, the RSAES-OAEP limit for RSA).</summary>
    public static int MaxPlaintextLength(KeySpec spec, EncryptionAlgorithmSpec algorithm) => algorithm switch
    {
        EncryptionAlgorithmSpec.SymmetricDefault => 4096,
        EncryptionAlgorithmSpec.Sm2Pke => 1024,
        _ => RsaScheme.MaxPlaintextLength(spec, algorithm),
    };

    /// <summary>The hash of a signing or MAC algorithm that ends in SHA_256/384/512.</summary>
    internal static System.Security.Cryptography.HashAlgorithmName Hash(SigningAlgorithmSpec algorithm) => algorithm switch
    {
        SigningAlgorithmSpec.RsassaPssSha256 or SigningAlgorithmSpec.RsassaPkcs1V15Sha256 or SigningAlgorithmSpec.EcdsaSha256 =>
            System.Security.Cryptography.HashAlgorithmName.SHA256,
        SigningAlgorithmSpec.RsassaPssSha384 or SigningAlgorithmSpec.RsassaPkcs1V15Sha384 or SigningAlgorithmSpec.EcdsaSha384 =>
            System.Security.Cryptography.HashAlgorithmName.SHA384,
        SigningAlgorithmSpec.RsassaPssSha512 or SigningAlgorithmSpec.RsassaPkcs1V15Sha512 or SigningAlgorithmSpec.EcdsaSha512 =>
            System.Security.Cryptography.HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a SHA-2 signing algorithm."),
    };
}
