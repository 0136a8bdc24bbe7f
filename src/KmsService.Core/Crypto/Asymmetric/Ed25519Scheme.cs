using System.Security.Cryptography;
using KmsService.Core.Keys;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.EdEC;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>ECC_NIST_EDWARDS25519: Ed25519 (RFC 8032 §5.1) signatures, from BouncyCastle since .NET has no Ed25519.
/// ED25519_SHA_512 is pure Ed25519 over the RAW message; ED25519_PH_SHA_512 is Ed25519ph (empty context) over a
/// 64-byte DIGEST message, which KMS still prehashes with SHA-512 (FIPS 186-5 §7.8.1 step 1: the caller's digest is
/// hashed a second time). AWS accepts no other pairing of algorithm and message type.</summary>
internal sealed class Ed25519Scheme : IKeyScheme
{
    private const string What = "Ed25519";

    /// <summary>A fresh key as PKCS #8 v1 (RFC 8410 §7: the 32-byte seed as CurvePrivateKey, no public key), the form
    /// <c>openssl genpkey -algorithm ed25519</c> writes.</summary>
    public byte[] Generate(KeySpec spec)
    {
        var seed = RandomNumberGenerator.GetBytes(Ed25519PrivateKeyParameters.KeySize);
        try
        {
            var info = new PrivateKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519), new DerOctetString(seed));
            return info.GetDerEncoded();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material) => Import(material);

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material) =>
        BouncyCastleKeys.Spki(Import(material).GeneratePublicKey());

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        var signer = Signer(algorithm, messageType);
        signer.Init(true, Import(material));
        signer.BlockUpdate(message);
        return signer.GenerateSignature();
    }

    public bool Verify(
        KeySpec spec,
        ReadOnlySpan<byte> material,
        SigningAlgorithmSpec algorithm,
        MessageType messageType,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature)
    {
        var signer = Signer(algorithm, messageType);
        signer.Init(false, Import(material).GeneratePublicKey());
        signer.BlockUpdate(message);
        return signer.VerifySignature(signature.ToArray());
    }

    private static Ed25519PrivateKeyParameters Import(ReadOnlySpan<byte> material) =>
        BouncyCastleKeys.Private<Ed25519PrivateKeyParameters>(material, What);

    // RFC 8032 §5.1: Ed25519ph with an empty context (dom2(1, "")); the signer hashes its input with SHA-512 (PH).
    private static ISigner Signer(SigningAlgorithmSpec algorithm, MessageType messageType) => (algorithm, messageType) switch
    {
        (SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw) => new Ed25519Signer(),
        (SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest) => new Ed25519phSigner([]),
        _ => throw new ArgumentOutOfRangeException(
            nameof(algorithm),
            algorithm,
            "ED25519_SHA_512 signs RAW messages and ED25519_PH_SHA_512 signs DIGEST messages, as AWS requires."),
    };
}
