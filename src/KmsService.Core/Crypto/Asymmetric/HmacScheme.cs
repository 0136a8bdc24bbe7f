using System.Security.Cryptography;
using KmsService.Core.Keys;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Macs;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>HMAC_224/256/384/512 (RFC 2104 with SHA-2). .NET has no SHA-224, so HMAC-SHA-224 alone comes from
/// BouncyCastle.</summary>
internal sealed class HmacScheme : IKeyScheme
{
    public byte[] Generate(KeySpec spec) => RandomNumberGenerator.GetBytes(KeySpecs.HmacKeyLength(spec));

    public void Validate(KeySpec spec, ReadOnlySpan<byte> material)
    {
        if (material.Length != KeySpecs.HmacKeyLength(spec))
        {
            throw new ArgumentException($"An {spec} key is {KeySpecs.HmacKeyLength(spec)} bytes, not {material.Length}.", nameof(material));
        }
    }

    public byte[] Mac(KeySpec spec, ReadOnlySpan<byte> material, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message) => algorithm switch
    {
        MacAlgorithmSpec.HmacSha224 => HmacSha224(material, message),
        MacAlgorithmSpec.HmacSha256 => HMACSHA256.HashData(material, message),
        MacAlgorithmSpec.HmacSha384 => HMACSHA384.HashData(material, message),
        MacAlgorithmSpec.HmacSha512 => HMACSHA512.HashData(material, message),
        _ => throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, "Not a MAC algorithm."),
    };

    private static byte[] HmacSha224(ReadOnlySpan<byte> key, ReadOnlySpan<byte> message)
    {
        var keyCopy = key.ToArray();
        try
        {
            var hmac = new HMac(new Sha224Digest());
            hmac.Init(new KeyParameter(keyCopy));
            hmac.BlockUpdate(message);
            var mac = new byte[hmac.GetMacSize()];
            hmac.DoFinal(mac);
            hmac.Reset();
            return mac;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyCopy);
        }
    }
}
