using System.Buffers.Binary;
using System.Security.Cryptography;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;

namespace KmsService.Core.Crypto;

/// <summary>Imported key material (GetParametersForImport, ImportKeyMaterial): the wrapping key pair is made inside the
/// HSA and its private key leaves it only sealed in the import token, so any instance holding the root key can finish an
/// import that another one started, without a table of pending imports.</summary>
/// <remarks>
/// Import token: 0x01 | 96-bit random IV | AES-256-GCM ciphertext | 128-bit tag, under SP 800-108 KDF(root key,
/// "KmsService import token v1"), associated data 0x01 || UTF-8 key ARN (a token is good for its key only). The
/// plaintext is wrapping algorithm (1 byte) | wrapping key spec (1 byte) | valid-to, Unix milliseconds (8 bytes, big
/// endian) | wrapping private key (PKCS #8 DER).
/// </remarks>
public sealed partial class SoftwareHsa
{
    // The format byte of SealWithSubkey's blobs.
    private const byte ImportTokenFormatVersion = WrapFormatVersion;
    private const int ImportTokenHeaderLength = 1 + 1 + sizeof(long);

    // The AES key of RSA_AES_KEY_WRAP is at most 256 bits; RFC 5649 output is a multiple of 8 bytes, at least 16.
    private const int MinAesKeyWrapLength = 16;

    private static ReadOnlySpan<byte> ImportTokenLabel => "KmsService import token v1"u8;

    /// <inheritdoc />
    public ImportParameters CreateImportParameters(string keyArn, AlgorithmSpec algorithm, WrappingKeySpec spec, DateTimeOffset validTo)
    {
        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        var keySpec = WrappingKeyPairSpec(spec);
        var scheme = KeySchemes.For(keySpec);
        var privateKey = scheme.Generate(keySpec);
        var plain = new byte[ImportTokenHeaderLength + privateKey.Length];
        try
        {
            var publicKey = scheme.PublicKey(keySpec, privateKey);
            plain[0] = (byte)algorithm;
            plain[1] = (byte)spec;
            BinaryPrimitives.WriteInt64BigEndian(plain.AsSpan(2), validTo.ToUnixTimeMilliseconds());
            privateKey.CopyTo(plain.AsSpan(ImportTokenHeaderLength));
            return new ImportParameters(publicKey, SealImportToken(keyArn, plain));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(privateKey);
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public WrappedBackingKey ImportWrappedKeyMaterial(
        string keyArn, KeySpec keySpec, ReadOnlySpan<byte> importToken, ReadOnlySpan<byte> encryptedKeyMaterial, DateTimeOffset now)
    {
        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        var plain = OpenImportToken(keyArn, importToken);
        byte[]? material = null;
        try
        {
            if (plain.Length <= ImportTokenHeaderLength
                || !Enum.IsDefined((AlgorithmSpec)plain[0])
                || !Enum.IsDefined((WrappingKeySpec)plain[1]))
            {
                throw new InvalidImportTokenException(InvalidTokenMessage);
            }

            var algorithm = (AlgorithmSpec)plain[0];
            var wrappingSpec = WrappingKeyPairSpec((WrappingKeySpec)plain[1]);
            var validTo = BinaryPrimitives.ReadInt64BigEndian(plain.AsSpan(2));
            if (now.ToUnixTimeMilliseconds() > validTo)
            {
                throw new ExpiredImportTokenException(
                    "The import token has expired. Use GetParametersForImport to get a new public key and import token, "
                    + "wrap the key material under the new public key, and try again.");
            }

            var privateKey = plain.AsSpan(ImportTokenHeaderLength);
            if (!TryUnwrapKeyMaterial(algorithm, wrappingSpec, privateKey, encryptedKeyMaterial, out material))
            {
                throw new InvalidCiphertextException(
                    "The encrypted key material could not be decrypted with the wrapping key and algorithm of the import token.");
            }

            if (material.Length > MaxVariableMaterialLength || !KeySchemes.IsValidMaterial(keySpec, material))
            {
                throw new IncorrectKeyMaterialException($"The key material is not valid key material for a {WireNames<KeySpec>.Name(keySpec)} KMS key.");
            }

            return ImportBackingKey(keyArn, keySpec, material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            if (material is not null)
            {
                CryptographicOperations.ZeroMemory(material);
            }
        }
    }

    private const string InvalidTokenMessage = "The import token is not valid for this KMS key. Use the import token that "
        + "GetParametersForImport returned for this KMS key, unaltered.";

    private static KeySpec WrappingKeyPairSpec(WrappingKeySpec spec) => spec switch
    {
        WrappingKeySpec.Rsa2048 => KeySpec.Rsa2048,
        WrappingKeySpec.Rsa3072 => KeySpec.Rsa3072,
        WrappingKeySpec.Rsa4096 => KeySpec.Rsa4096,
        WrappingKeySpec.Sm2 => KeySpec.Sm2,
        _ => throw new ArgumentOutOfRangeException(nameof(spec)),
    };

    /// <summary>Decrypts the wrapped key material with the wrapping private key as <paramref name="algorithm"/> says:
    /// RSAES-OAEP (RFC 8017 §7.1) of the material, RSA-OAEP of an AES key followed by the material wrapped under it with
    /// RFC 5649 (PKCS #11 CKM_RSA_AES_KEY_WRAP), or SM2 public-key encryption (GB/T 32918.4).</summary>
    private static bool TryUnwrapKeyMaterial(
        AlgorithmSpec algorithm, KeySpec wrappingSpec, ReadOnlySpan<byte> privateKey, ReadOnlySpan<byte> wrapped, out byte[] material)
    {
        material = [];
        var scheme = KeySchemes.For(wrappingSpec);
        switch (algorithm)
        {
            case AlgorithmSpec.RsaesOaepSha1 or AlgorithmSpec.RsaesOaepSha256 when KeySpecs.IsRsa(wrappingSpec):
                return scheme.TryDecrypt(wrappingSpec, privateKey, Oaep(algorithm), wrapped, out material);
            case AlgorithmSpec.RsaAesKeyWrapSha1 or AlgorithmSpec.RsaAesKeyWrapSha256 when KeySpecs.IsRsa(wrappingSpec):
                var modulusLength = RsaModulusLength(wrappingSpec);
                if (wrapped.Length < modulusLength + MinAesKeyWrapLength
                    || !scheme.TryDecrypt(wrappingSpec, privateKey, Oaep(algorithm), wrapped[..modulusLength], out var aesKey))
                {
                    return false;
                }

                try
                {
                    return AesKeyWrapPad.TryUnwrap(aesKey, wrapped[modulusLength..], out material);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(aesKey);
                }

            case AlgorithmSpec.Sm2Pke when wrappingSpec == KeySpec.Sm2:
                return scheme.TryDecrypt(wrappingSpec, privateKey, EncryptionAlgorithmSpec.Sm2Pke, wrapped, out material);
            default:
                // RSAES_PKCS1_V1_5 and mismatched pairs never get a token (GetParametersForImport refuses them).
                return false;
        }
    }

    private static EncryptionAlgorithmSpec Oaep(AlgorithmSpec algorithm) =>
        algorithm is AlgorithmSpec.RsaesOaepSha1 or AlgorithmSpec.RsaAesKeyWrapSha1
            ? EncryptionAlgorithmSpec.RsaesOaepSha1
            : EncryptionAlgorithmSpec.RsaesOaepSha256;

    private static int RsaModulusLength(KeySpec spec) => spec switch
    {
        KeySpec.Rsa2048 => 256,
        KeySpec.Rsa3072 => 384,
        _ => 512,
    };

    private byte[] SealImportToken(string keyArn, ReadOnlySpan<byte> plain) =>
        SealWithSubkey(ImportTokenLabel, plain, ImportTokenAad(keyArn));

    private byte[] OpenImportToken(string keyArn, ReadOnlySpan<byte> token) =>
        TryOpenWithSubkey(ImportTokenLabel, token, ImportTokenAad(keyArn), out var plain)
            ? plain
            : throw new InvalidImportTokenException(InvalidTokenMessage);

    // 0x01 || UTF-8 key ARN: the format byte is authenticated too.
    private static byte[] ImportTokenAad(string keyArn)
    {
        var arn = StrictUtf8.GetBytes(keyArn);
        var aad = new byte[1 + arn.Length];
        aad[0] = ImportTokenFormatVersion;
        arn.CopyTo(aad, 1);
        return aad;
    }
}
