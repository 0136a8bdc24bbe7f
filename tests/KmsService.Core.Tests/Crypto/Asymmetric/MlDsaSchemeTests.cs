using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Keys;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Digests;
using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

public sealed class MlDsaSchemeTests : IDisposable
{
    private const SigningAlgorithmSpec MlDsa = SigningAlgorithmSpec.MlDsaShake256;

    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    // FIPS 204 Table 2 (public key and signature sizes); OIDs from NIST's CSOR (id-ml-dsa-44/65/87).
    [Theory]
    [InlineData(KeySpec.MlDsa44, "2.16.840.1.101.3.4.3.17", 1312, 2420)]
    [InlineData(KeySpec.MlDsa65, "2.16.840.1.101.3.4.3.18", 1952, 3309)]
    [InlineData(KeySpec.MlDsa87, "2.16.840.1.101.3.4.3.19", 2592, 4627)]
    public void SignRaw_EachParameterSet_VerifiesAndPublicKeyIsSpkiWithNistOid(KeySpec spec, string oid, int publicKeyLength, int signatureLength)
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, spec);
        var message = "post-quantum release manifest"u8.ToArray();

        var spki = SubjectPublicKeyInfo.GetInstance(_hsa.GetPublicKey(TestKeys.KeyArn, spec, key));
        Assert.Equal(oid, spki.Algorithm.Algorithm.Id);
        Assert.Null(spki.Algorithm.Parameters); // RFC 9881 §2: parameters absent.
        Assert.Equal(publicKeyLength, spki.PublicKey.GetOctets().Length);

        var signature = _hsa.Sign(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, message);
        Assert.Equal(signatureLength, signature.Length);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, message, signature));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, [.. message, 0], signature));
        signature[signatureLength / 2] ^= 0x01;
        Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, message, signature));
    }

    [Fact]
    public void SignExternalMu_MuOfTheMessage_VerifiesAsTheRawMessageAndBack()
    {
        const KeySpec spec = KeySpec.MlDsa44;
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, spec);
        var message = RandomNumberGenerator.GetBytes(5000); // more than RAW's 4096 bytes: what EXTERNAL_MU is for
        var publicKey = SubjectPublicKeyInfo.GetInstance(_hsa.GetPublicKey(TestKeys.KeyArn, spec, key)).PublicKey.GetOctets();
        var mu = Mu(publicKey, message);

        var fromMu = _hsa.Sign(TestKeys.KeyArn, spec, key, MlDsa, MessageType.ExternalMu, mu);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, message, fromMu));
        Assert.True(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.ExternalMu, mu, fromMu));

        var fromRaw = _hsa.Sign(TestKeys.KeyArn, spec, key, MlDsa, MessageType.Raw, message);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.ExternalMu, mu, fromRaw));

        var otherMu = (byte[])mu.Clone();
        otherMu[0] ^= 0x01;
        Assert.False(_hsa.Verify(TestKeys.KeyArn, spec, key, MlDsa, MessageType.ExternalMu, otherMu, fromMu));
    }

    [Theory]
    [InlineData(MessageType.Digest, 64)]
    [InlineData(MessageType.ExternalMu, 32)]
    public void Sign_DigestOrShortMu_Throws(MessageType messageType, int length)
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, KeySpec.MlDsa44);

        Assert.ThrowsAny<ArgumentException>(() => _hsa.Sign(TestKeys.KeyArn, KeySpec.MlDsa44, key, MlDsa, messageType, new byte[length]));
    }

    [Fact]
    public void Generate_IsSeedOnlyPkcs8WithTheNistOid()
    {
        var material = new MlDsaScheme().Generate(KeySpec.MlDsa65);

        // SEQUENCE { 0, SEQUENCE { id-ml-dsa-65 }, OCTET STRING { [0] 32-byte seed } } (RFC 9881 §6, seed form).
        Assert.Equal(54, material.Length);
        Assert.Equal("3034020100300b060960864801650304031204228020", Convert.ToHexStringLower(material.AsSpan(0, 22)));
    }

    [Fact]
    public void Import_KeyOfAnotherParameterSetOrFamily_ThrowsArgument()
    {
        var mlDsa44 = new MlDsaScheme().Generate(KeySpec.MlDsa44);
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);

        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.MlDsa65, mlDsa44));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.MlDsa44, p256.ExportPkcs8PrivateKey()));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.MlDsa44, [.. mlDsa44, 0]));
        var imported = _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.MlDsa44, mlDsa44);
        Assert.NotEmpty(_hsa.GetPublicKey(TestKeys.KeyArn, KeySpec.MlDsa44, imported));
    }

    // FIPS 204 §6.2 (Algorithm 2 with an empty context, Algorithm 7 lines 6-7): tr = H(pk, 64), M' = 0 ‖ 0 ‖ M,
    // μ = H(tr ‖ M', 64), H = SHAKE256. Computed here as a KMS client would.
    private static byte[] Mu(byte[] publicKey, byte[] message)
    {
        var tr = Shake256(publicKey);
        return Shake256([.. tr, 0x00, 0x00, .. message]);
    }

    private static byte[] Shake256(byte[] input)
    {
        var shake = new ShakeDigest(256);
        shake.BlockUpdate(input, 0, input.Length);
        var output = new byte[64];
        shake.OutputFinal(output, 0, output.Length);
        return output;
    }
}
