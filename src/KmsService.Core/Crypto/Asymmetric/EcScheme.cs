using System.Security.Cryptography;
using KmsService.Core.Keys;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>ECC_NIST_P256/P384/P521 and ECC_SECG_P256K1: ECDSA with DER signatures (as AWS returns them) and ECDH
/// raw shared secrets (the x-coordinate, as OpenSSL derives it).</summary>
internal sealed class EcScheme : IKeyScheme
{
    public byte[] Generate(KeySpec spec)
    {
        using var ec = ECDsa.Create(Curve(spec));
        return ec.ExportPkcs8PrivateKey();
    }

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material)
    {
        using var ec = Import(material);
        var oid = ec.ExportParameters(false).Curve.Oid?.Value;
        if (oid != CurveOid(spec))
        {
            throw new ArgumentException($"The private key is not on the curve of {spec}.", nameof(material));
        }
    }

    public byte[] PublicKey(KeySpec spec, ReadOnlySpan<byte> material)
    {
        using var ec = Import(material);
        return ec.ExportSubjectPublicKeyInfo();
    }

    public byte[] Sign(KeySpec spec, ReadOnlySpan<byte> material, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        using var ec = Import(material);
        return messageType switch
        {
            MessageType.Raw => ec.SignData(message, KeySchemes.Hash(algorithm), DSASignatureFormat.Rfc3279DerSequence),
            MessageType.Digest => ec.SignHash(message, DSASignatureFormat.Rfc3279DerSequence),
            _ => throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "ECDSA signs RAW and DIGEST messages."),
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
        using var ec = Import(material);
        return messageType switch
        {
            MessageType.Raw => ec.VerifyData(message, signature, KeySchemes.Hash(algorithm), DSASignatureFormat.Rfc3279DerSequence),
            MessageType.Digest => ec.VerifyHash(message, signature, DSASignatureFormat.Rfc3279DerSequence),
            _ => throw new ArgumentOutOfRangeException(nameof(messageType), messageType, "ECDSA verifies RAW and DIGEST messages."),
        };
    }

    public byte[] DeriveSharedSecret(KeySpec spec, ReadOnlySpan<byte> material, ReadOnlySpan<byte> peerPublicKey)
    {
        using var own = ECDiffieHellman.Create();
        own.ImportPkcs8PrivateKey(material, out _);
        using var peer = ECDiffieHellman.Create();
        try
        {
            peer.ImportSubjectPublicKeyInfo(peerPublicKey, out var read);
            if (read != peerPublicKey.Length)
            {
                throw new ArgumentException("The public key has trailing bytes.", nameof(peerPublicKey));
            }
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException("The public key is not a DER SubjectPublicKeyInfo of an EC key.", nameof(peerPublicKey), e);
        }

        if (peer.ExportParameters(false).Curve.Oid?.Value != CurveOid(spec))
        {
            throw new ArgumentException($"The public key is not on the curve of {spec}.", nameof(peerPublicKey));
        }

        return own.DeriveRawSecretAgreement(peer.PublicKey);
    }

    private static ECDsa Import(ReadOnlySpan<byte> material)
    {
        var ec = ECDsa.Create();
        try
        {
            ec.ImportPkcs8PrivateKey(material, out var read);
            if (read != material.Length)
            {
                throw new ArgumentException("The private key has trailing bytes.", nameof(material));
            }

            return ec;
        }
        catch
        {
            ec.Dispose();
            throw;
        }
    }

    private static ECCurve Curve(KeySpec spec) => ECCurve.CreateFromValue(CurveOid(spec));

    private static string CurveOid(KeySpec spec) => spec switch
    {
        KeySpec.EccNistP256 => "1.2.840.10045.3.1.7",
        KeySpec.EccNistP384 => "1.3.132.0.34",
        KeySpec.EccNistP521 => "1.3.132.0.35",
        KeySpec.EccSecgP256K1 => "1.3.132.0.10",
        _ => throw new ArgumentOutOfRangeException(nameof(spec), spec, "Not an ECC key spec of the platform."),
    };
}
