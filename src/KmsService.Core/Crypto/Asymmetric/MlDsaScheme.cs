using System.Reflection;
using System.Security.Cryptography;
using KmsService.Core.Keys;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>ML_DSA_44/65/87: FIPS 204 ML-DSA (pure, empty context string, hedged), ML_DSA_SHAKE_256 in KMS, from
/// BouncyCastle since OpenSSL 3.0 has no ML-DSA. Keys are PKCS #8 with the NIST OIDs (id-ml-dsa-44/65/87,
/// 2.16.840.1.101.3.4.3.17/18/19) holding the 32-byte seed, the public key a SubjectPublicKeyInfo with the same OID
/// (RFC 9881, "Algorithm Identifiers for ML-DSA"). MessageType RAW signs the message; EXTERNAL_MU signs a 64-byte
/// μ = SHAKE256(tr ‖ M′, 64) the caller computed (FIPS 204 §6.2, Algorithm 7 line 6), giving the signature RAW gives.</summary>
internal sealed class MlDsaScheme : IKeyScheme
{
    private const string What = "ML-DSA";

    /// <summary>The length of μ (FIPS 204 §6.2: 64 bytes).</summary>
    public const int MuLength = 64;

    // BouncyCastle 2.7 signs and verifies only messages: MLDsaSigner absorbs tr ‖ 0 ‖ |ctx| ‖ ctx ‖ M into this digest
    // and reads μ from it first thing. To sign a given μ the digest is swapped for one whose first output is μ
    // (ExternalMuDigest). A test signs μ and verifies the message, so a BouncyCastle upgrade that renames the field
    // fails there, not in production. Null (checked at use) rather than a throw here, so RAW signing never depends on it.
    private static readonly FieldInfo? MessageRepresentativeDigest =
        typeof(MLDsaSigner).GetField("m_msgRepDigest", BindingFlags.Instance | BindingFlags.NonPublic);

    public byte[] Generate(KeySpec spec)
    {
        var seed = RandomNumberGenerator.GetBytes(32);
        try
        {
            // BouncyCastle's preferred PKCS #8 form for a key made from a seed is the seed alone ([0] IMPLICIT OCTET STRING).
            return BouncyCastleKeys.Pkcs8(MLDsaPrivateKeyParameters.FromSeed(Parameters(spec), seed));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material) => Import(spec, material);

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material) =>
        BouncyCastleKeys.Spki(Import(spec, material).GetPublicKey());

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        CheckAlgorithm(algorithm, messageType);
        var signer = new MLDsaSigner(Parameters(spec), deterministic: false);
        signer.Init(true, Import(spec, material));
        Absorb(signer, messageType, message);
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
        CheckAlgorithm(algorithm, messageType);
        var signer = new MLDsaSigner(Parameters(spec), deterministic: false);
        signer.Init(false, Import(spec, material).GetPublicKey());
        Absorb(signer, messageType, message);
        return signer.VerifySignature(signature.ToArray());
    }

    private static void Absorb(MLDsaSigner signer, MessageType messageType, ReadOnlySpan<byte> message)
    {
        if (messageType == MessageType.Raw)
        {
            signer.BlockUpdate(message);
            return;
        }

        if (message.Length != MuLength)
        {
            throw new ArgumentException($"An EXTERNAL_MU message is {MuLength} bytes, not {message.Length}.", nameof(message));
        }

        var field = MessageRepresentativeDigest
            ?? throw new InvalidOperationException("BouncyCastle's MLDsaSigner has no m_msgRepDigest field: EXTERNAL_MU needs another route.");
        field.SetValue(signer, new ExternalMuDigest(message.ToArray()));
    }

    private static void CheckAlgorithm(SigningAlgorithmSpec algorithm, MessageType messageType)
    {
        if (algorithm != SigningAlgorithmSpec.MlDsaShake256)
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "ML-DSA keys sign with ML_DSA_SHAKE_256.");
        }

        if (messageType is not (MessageType.Raw or MessageType.ExternalMu))
        {
            throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "ML-DSA signs RAW and EXTERNAL_MU messages.");
        }
    }

    private static MLDsaPrivateKeyParameters Import(KeySpec spec, ReadOnlySpan<byte> material)
    {
        var key = BouncyCastleKeys.Private<MLDsaPrivateKeyParameters>(material, What);
        if (key.Parameters != Parameters(spec))
        {
            throw new ArgumentException($"The private key is {key.Parameters.Name}, not {WireNames<KeySpec>.Name(spec)}.", nameof(material));
        }

        return key;
    }

    private static MLDsaParameters Parameters(KeySpec spec) => spec switch
    {
        KeySpec.MlDsa44 => MLDsaParameters.ml_dsa_44,
        KeySpec.MlDsa65 => MLDsaParameters.ml_dsa_65,
        KeySpec.MlDsa87 => MLDsaParameters.ml_dsa_87,
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an ML-DSA key spec."),
    };

    /// <summary>A SHAKE256 whose first output is a given μ (then it starts afresh as SHAKE256): ML-DSA's signing and
    /// verifying read μ from the message digest once, then use the same digest for ρ′ and the commitment hash.</summary>
    private sealed class ExternalMuDigest(byte[] mu) : ShakeDigest(256)
    {
        private byte[]? _mu = mu;

        public override int DoFinal(byte[] output, int outOff) => OutputFinal(output.AsSpan(outOff, GetDigestSize()));

        public override int DoFinal(Span<byte> output) => OutputFinal(output[..GetDigestSize()]);

        public override int OutputFinal(byte[] output, int outOff, int outLen) => OutputFinal(output.AsSpan(outOff, outLen));

        public override int OutputFinal(Span<byte> output)
        {
            if (_mu is not { } mu)
            {
                return base.OutputFinal(output);
            }

            if (output.Length != mu.Length)
            {
                throw new InvalidOperationException($"ML-DSA read {output.Length} bytes of μ, not {mu.Length}.");
            }

            _mu = null;
            mu.CopyTo(output);
            Reset();
            return output.Length;
        }
    }
}
