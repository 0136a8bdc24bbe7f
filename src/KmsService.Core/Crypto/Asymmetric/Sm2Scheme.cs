using System.Security.Cryptography;
using KmsService.Core.Keys;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Agreement;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.Utilities;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>SM2 (China Regions only), from BouncyCastle since .NET has no SM2: keys on sm2p256v1 (PKCS #8 and
/// SubjectPublicKeyInfo with id-ecPublicKey and curve OID 1.2.156.10197.1.301); SM2DSA with SM3 and the default
/// distinguishing ID 1234567812345678 (GM/T 0009-2012), DER (r, s) signatures; SM2PKE (GM/T 0003.4) ciphertexts in the
/// ASN.1 form AWS accepts and OpenSSL 3 writes, SEQUENCE { x INTEGER, y INTEGER, C3 OCTET STRING, C2 OCTET STRING };
/// ECDH raw shared secrets (the x-coordinate, as <see cref="EcScheme"/>).</summary>
/// <remarks>SM2DSA with RAW hashes e = SM3(Z_A ‖ M), Z_A = SM3(ENTL_A ‖ ID_A ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A)
/// (GB/T 32918.2 §5.5, §6.1); with DIGEST the message is that 32-byte e (AWS "Offline verification with SM2 key pairs").</remarks>
internal sealed class Sm2Scheme : IKeyScheme
{
    private const string What = "SM2";

    /// <summary>The largest plaintext SM2PKE encrypts in KMS (Encrypt API reference: "SM2PKE: 1024 bytes").</summary>
    public const int MaxPlaintextLength = 1024;

    /// <summary>The SM2DSA DIGEST message: e, an SM3 hash.</summary>
    public const int DigestLength = 32;

    private static readonly ECNamedDomainParameters Curve = ECNamedDomainParameters.LookupOid(GMObjectIdentifiers.sm2p256v1);

    // GM/T 0009-2012 §10: the default user ID, "1234567812345678" in ASCII; AWS lets no caller choose another.
    private static readonly byte[] DistinguishingId = "1234567812345678"u8.ToArray();

    public byte[] Generate(KeySpec spec)
    {
        // GB/T 32918.1 §6.1: d in [1, n − 2] (so that 1 + d is invertible mod n), by rejection sampling.
        var bytes = new byte[32];
        try
        {
            BigInteger d;
            do
            {
                RandomNumberGenerator.Fill(bytes);
                d = new BigInteger(1, bytes);
            }
            while (!InRange(d));

            return BouncyCastleKeys.Pkcs8(new ECPrivateKeyParameters(d, Curve));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material) => Import(material);

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material) => BouncyCastleKeys.Spki(PublicOf(Import(material)));

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        var signer = Signer(algorithm, messageType, message);
        signer.Init(true, new ParametersWithID(Import(material), DistinguishingId));
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
        var signer = Signer(algorithm, messageType, message);
        signer.Init(false, new ParametersWithID(PublicOf(Import(material)), DistinguishingId));
        signer.BlockUpdate(message);
        return signer.VerifySignature(signature.ToArray());
    }

    public byte[] Encrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> plaintext)
    {
        CheckEncryptionAlgorithm(algorithm);
        if (plaintext.IsEmpty || plaintext.Length > MaxPlaintextLength)
        {
            throw new ArgumentException($"SM2PKE encrypts 1 to {MaxPlaintextLength} bytes.", nameof(plaintext));
        }

        var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.Init(true, new ParametersWithRandom(PublicOf(Import(material)), new SecureRandom()));
        var raw = engine.ProcessBlock(plaintext);

        // C1 = 04 ‖ x ‖ y (65 bytes), C3 = SM3 hash (32 bytes), C2 = the masked plaintext.
        var coordinate = Curve.Curve.FieldElementEncodingLength;
        return new DerSequence(
            new DerInteger(new BigInteger(1, raw, 1, coordinate)),
            new DerInteger(new BigInteger(1, raw, 1 + coordinate, coordinate)),
            new DerOctetString(raw[(1 + (2 * coordinate))..(1 + (2 * coordinate) + DigestLength)]),
            new DerOctetString(raw[(1 + (2 * coordinate) + DigestLength)..])).GetDerEncoded();
    }

    public bool TryDecrypt(KeySpec spec, ReadOnlySpan<byte> material, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> ciphertext, out byte[] plaintext)
    {
        CheckEncryptionAlgorithm(algorithm);
        var key = Import(material);
        plaintext = [];
        if (!TryRawCiphertext(ciphertext, out var raw))
        {
            return false;
        }

        var engine = new SM2Engine(new SM3Digest(), SM2Engine.Mode.C1C3C2);
        engine.Init(false, key);
        try
        {
            plaintext = engine.ProcessBlock(raw);
            return true;
        }
        catch (Org.BouncyCastle.Crypto.InvalidCipherTextException)
        {
            // C3 does not match: a ciphertext not made for this key, or altered.
            return false;
        }
    }

    public byte[] DeriveSharedSecret(KeySpec spec, ReadOnlySpan<byte> material, ReadOnlySpan<byte> peerPublicKey)
    {
        var peer = BouncyCastleKeys.Public<ECPublicKeyParameters>(peerPublicKey, What);
        if (!OnSm2Curve(peer.Parameters))
        {
            throw new ArgumentException("The public key is not on the SM2 curve.", nameof(peerPublicKey));
        }

        var agreement = new ECDHBasicAgreement();
        agreement.Init(Import(material));
        return BigIntegers.AsUnsignedByteArray(Curve.Curve.FieldElementEncodingLength, agreement.CalculateAgreement(peer));
    }

    private static SM2Signer Signer(SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        if (algorithm != SigningAlgorithmSpec.Sm2Dsa)
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "SM2 keys sign with SM2DSA.");
        }

        return messageType switch
        {
            MessageType.Raw => new SM2Signer(),
            MessageType.Digest when message.Length == DigestLength => new DigestSm2Signer(message.ToArray()),
            MessageType.Digest => throw new ArgumentException($"An SM2DSA digest is {DigestLength} bytes, not {message.Length}.", nameof(message)),
            _ => throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "SM2DSA signs RAW and DIGEST messages."),
        };
    }

    private static void CheckEncryptionAlgorithm(EncryptionAlgorithmSpec algorithm)
    {
        if (algorithm != EncryptionAlgorithmSpec.Sm2Pke)
        {
            throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "SM2 keys encrypt with SM2PKE.");
        }
    }

    // SEQUENCE { x, y, C3, C2 } back to BouncyCastle's C1 ‖ C3 ‖ C2; false for anything else (including a C1 off the curve).
    private static bool TryRawCiphertext(ReadOnlySpan<byte> ciphertext, out byte[] raw)
    {
        raw = [];
        try
        {
            if (Asn1Object.FromByteArray(ciphertext.ToArray()) is not Asn1Sequence { Count: 4 } sequence
                || sequence[0] is not DerInteger x || sequence[1] is not DerInteger y
                || sequence[2] is not Asn1OctetString hash || sequence[3] is not Asn1OctetString masked)
            {
                return false;
            }

            var c3 = hash.GetOctets();
            var c2 = masked.GetOctets();
            if (c3.Length != DigestLength || c2.Length == 0)
            {
                return false;
            }

            var c1 = Curve.Curve.ValidatePoint(x.PositiveValue, y.PositiveValue).GetEncoded(compressed: false);
            raw = Arrays.ConcatenateAll(c1, c3, c2);
            return true;
        }
        catch (Exception e) when (e is IOException or ArgumentException or InvalidOperationException or InvalidCastException)
        {
            return false;
        }
    }

    private static ECPrivateKeyParameters Import(ReadOnlySpan<byte> material)
    {
        var key = BouncyCastleKeys.Private<ECPrivateKeyParameters>(material, What);
        if (!OnSm2Curve(key.Parameters))
        {
            throw new ArgumentException("The private key is not on the SM2 curve (sm2p256v1).", nameof(material));
        }

        if (!InRange(key.D))
        {
            throw new ArgumentException("The SM2 private key is not in [1, n - 2].", nameof(material));
        }

        return new ECPrivateKeyParameters(key.D, Curve);
    }

    private static ECPublicKeyParameters PublicOf(ECPrivateKeyParameters key) =>
        new(Curve.G.Multiply(key.D).Normalize(), Curve);

    private static bool OnSm2Curve(ECDomainParameters parameters) =>
        parameters.Curve.Equals(Curve.Curve) && parameters.G.Equals(Curve.G) && parameters.N.Equals(Curve.N);

    private static bool InRange(BigInteger d) => d.SignValue > 0 && d.CompareTo(Curve.N.Subtract(BigInteger.Two)) <= 0;

    /// <summary>SM2DSA over a given e = SM3(Z_A ‖ M) (MessageType DIGEST): BouncyCastle's signer hashes Z_A and its input,
    /// and this override takes the caller's e in place of that hash.</summary>
    private sealed class DigestSm2Signer(byte[] e) : SM2Signer
    {
        protected override BigInteger CalculateE(BigInteger n, byte[] message) => new(1, e);
    }
}
