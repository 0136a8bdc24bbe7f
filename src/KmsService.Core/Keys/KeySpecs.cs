using System.Collections.Frozen;

namespace KmsService.Core.Keys;

/// <summary>What each key spec is for, as the AWS KMS developer guide's key spec reference states: the key usages it
/// allows, the algorithms of each usage (in the order DescribeKey lists them), and where it is offered.</summary>
public static class KeySpecs
{
    private static readonly EncryptionAlgorithmSpec[] Symmetric = [EncryptionAlgorithmSpec.SymmetricDefault];
    private static readonly EncryptionAlgorithmSpec[] RsaOaep = [EncryptionAlgorithmSpec.RsaesOaepSha1, EncryptionAlgorithmSpec.RsaesOaepSha256];
    private static readonly EncryptionAlgorithmSpec[] Sm2Pke = [EncryptionAlgorithmSpec.Sm2Pke];

    private static readonly SigningAlgorithmSpec[] RsaSigning =
    [
        SigningAlgorithmSpec.RsassaPkcs1V15Sha256, SigningAlgorithmSpec.RsassaPkcs1V15Sha384, SigningAlgorithmSpec.RsassaPkcs1V15Sha512,
        SigningAlgorithmSpec.RsassaPssSha256, SigningAlgorithmSpec.RsassaPssSha384, SigningAlgorithmSpec.RsassaPssSha512,
    ];

    private static readonly KeyAgreementAlgorithmSpec[] Ecdh = [KeyAgreementAlgorithmSpec.Ecdh];

    private static readonly FrozenDictionary<KeySpec, KeyUsageType[]> Usages = new Dictionary<KeySpec, KeyUsageType[]>
    {
        [KeySpec.SymmetricDefault] = [KeyUsageType.EncryptDecrypt],
        [KeySpec.Rsa2048] = [KeyUsageType.EncryptDecrypt, KeyUsageType.SignVerify],
        [KeySpec.Rsa3072] = [KeyUsageType.EncryptDecrypt, KeyUsageType.SignVerify],
        [KeySpec.Rsa4096] = [KeyUsageType.EncryptDecrypt, KeyUsageType.SignVerify],
        [KeySpec.EccNistP256] = [KeyUsageType.SignVerify, KeyUsageType.KeyAgreement],
        [KeySpec.EccNistP384] = [KeyUsageType.SignVerify, KeyUsageType.KeyAgreement],
        [KeySpec.EccNistP521] = [KeyUsageType.SignVerify, KeyUsageType.KeyAgreement],
        [KeySpec.EccSecgP256K1] = [KeyUsageType.SignVerify],
        [KeySpec.EccNistEdwards25519] = [KeyUsageType.SignVerify],
        [KeySpec.MlDsa44] = [KeyUsageType.SignVerify],
        [KeySpec.MlDsa65] = [KeyUsageType.SignVerify],
        [KeySpec.MlDsa87] = [KeyUsageType.SignVerify],
        [KeySpec.Sm2] = [KeyUsageType.EncryptDecrypt, KeyUsageType.SignVerify, KeyUsageType.KeyAgreement],
        [KeySpec.Hmac224] = [KeyUsageType.GenerateVerifyMac],
        [KeySpec.Hmac256] = [KeyUsageType.GenerateVerifyMac],
        [KeySpec.Hmac384] = [KeyUsageType.GenerateVerifyMac],
        [KeySpec.Hmac512] = [KeyUsageType.GenerateVerifyMac],
    }.ToFrozenDictionary();

    /// <summary>True for the RSA specs.</summary>
    public static bool IsRsa(KeySpec spec) => spec is KeySpec.Rsa2048 or KeySpec.Rsa3072 or KeySpec.Rsa4096;

    /// <summary>True for the elliptic-curve specs the platform's ECDsa/ECDiffieHellman handle (NIST curves, secp256k1).</summary>
    public static bool IsWeierstrassEcc(KeySpec spec) =>
        spec is KeySpec.EccNistP256 or KeySpec.EccNistP384 or KeySpec.EccNistP521 or KeySpec.EccSecgP256K1;

    /// <summary>True for the ML-DSA specs.</summary>
    public static bool IsMlDsa(KeySpec spec) => spec is KeySpec.MlDsa44 or KeySpec.MlDsa65 or KeySpec.MlDsa87;

    /// <summary>True for the HMAC specs.</summary>
    public static bool IsHmac(KeySpec spec) => spec is KeySpec.Hmac224 or KeySpec.Hmac256 or KeySpec.Hmac384 or KeySpec.Hmac512;

    /// <summary>True for every spec whose key is a key pair (not symmetric, not HMAC).</summary>
    public static bool IsAsymmetric(KeySpec spec) => spec != KeySpec.SymmetricDefault && !IsHmac(spec);

    /// <summary>True when <paramref name="usage"/> is allowed for <paramref name="spec"/>.</summary>
    public static bool Allows(KeySpec spec, KeyUsageType usage) => Usages[spec].Contains(usage);

    /// <summary>The SM2 spec is offered only in the China regions, as on AWS.</summary>
    public static bool IsOfferedIn(KeySpec spec, string partition) => spec != KeySpec.Sm2 || partition == "aws-cn";

    /// <summary>The HMAC key length in bytes (the spec's bit size, as AWS generates them).</summary>
    public static int HmacKeyLength(KeySpec spec) => spec switch
    {
        KeySpec.Hmac224 => 28,
        KeySpec.Hmac256 => 32,
        KeySpec.Hmac384 => 48,
        KeySpec.Hmac512 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an HMAC key spec."),
    };

    /// <summary>KeyMetadata.EncryptionAlgorithms of a key, or null when its usage is not ENCRYPT_DECRYPT.</summary>
    public static IReadOnlyList<EncryptionAlgorithmSpec>? EncryptionAlgorithms(KeySpec spec, KeyUsageType usage) =>
        usage != KeyUsageType.EncryptDecrypt ? null
        : spec == KeySpec.SymmetricDefault ? Symmetric
        : spec == KeySpec.Sm2 ? Sm2Pke
        : IsRsa(spec) ? RsaOaep
        : null;

    /// <summary>KeyMetadata.SigningAlgorithms of a key, or null when its usage is not SIGN_VERIFY.</summary>
    public static IReadOnlyList<SigningAlgorithmSpec>? SigningAlgorithms(KeySpec spec, KeyUsageType usage) =>
        usage != KeyUsageType.SignVerify ? null : spec switch
        {
            KeySpec.Rsa2048 or KeySpec.Rsa3072 or KeySpec.Rsa4096 => RsaSigning,
            KeySpec.EccNistP256 or KeySpec.EccSecgP256K1 => [SigningAlgorithmSpec.EcdsaSha256],
            KeySpec.EccNistP384 => [SigningAlgorithmSpec.EcdsaSha384],
            KeySpec.EccNistP521 => [SigningAlgorithmSpec.EcdsaSha512],
            KeySpec.EccNistEdwards25519 => [SigningAlgorithmSpec.Ed25519Sha512, SigningAlgorithmSpec.Ed25519PhSha512],
            KeySpec.MlDsa44 or KeySpec.MlDsa65 or KeySpec.MlDsa87 => [SigningAlgorithmSpec.MlDsaShake256],
            KeySpec.Sm2 => [SigningAlgorithmSpec.Sm2Dsa],
            _ => null,
        };

    /// <summary>KeyMetadata.KeyAgreementAlgorithms of a key, or null when its usage is not KEY_AGREEMENT.</summary>
    public static IReadOnlyList<KeyAgreementAlgorithmSpec>? KeyAgreementAlgorithms(KeySpec spec, KeyUsageType usage) =>
        usage == KeyUsageType.KeyAgreement && Allows(spec, usage) ? Ecdh : null;

    /// <summary>KeyMetadata.MacAlgorithms of a key, or null when it is not an HMAC key.</summary>
    public static IReadOnlyList<MacAlgorithmSpec>? MacAlgorithms(KeySpec spec) => spec switch
    {
        KeySpec.Hmac224 => [MacAlgorithmSpec.HmacSha224],
        KeySpec.Hmac256 => [MacAlgorithmSpec.HmacSha256],
        KeySpec.Hmac384 => [MacAlgorithmSpec.HmacSha384],
        KeySpec.Hmac512 => [MacAlgorithmSpec.HmacSha512],
        _ => null,
    };

    /// <summary>The key pair a data key pair spec names, as a key spec (the names are the same).</summary>
    public static KeySpec Of(DataKeyPairSpec spec) => WireNames<KeySpec>.Parse(WireNames<DataKeyPairSpec>.Name(spec));
}
