using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto.Digests;
using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

public sealed class Sm2SchemeTests : IDisposable
{
    private const KeySpec Spec = KeySpec.Sm2;
    private const string CurveOid = "1.2.156.10197.1.301";

    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    [Fact]
    public void GenerateDataKeyPair_Sm2_IsEcKeyOnSm2p256v1()
    {
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.Sm2);

        var info = PrivateKeyInfo.GetInstance(privateKey);
        Assert.Equal(X9ObjectIdentifiers.IdECPublicKey, info.PrivateKeyAlgorithm.Algorithm);
        Assert.Equal(CurveOid, DerObjectIdentifier.GetInstance(info.PrivateKeyAlgorithm.Parameters).Id);
        var spki = SubjectPublicKeyInfo.GetInstance(publicKey);
        Assert.Equal(X9ObjectIdentifiers.IdECPublicKey, spki.Algorithm.Algorithm);
        Assert.Equal(CurveOid, DerObjectIdentifier.GetInstance(spki.Algorithm.Parameters).Id);
        Assert.Equal(65, spki.PublicKey.GetOctets().Length); // uncompressed point 04 ‖ x ‖ y
        var imported = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, privateKey);
        Assert.Equal(publicKey, _hsa.GetPublicKey(TestKeys.KeyArn, Spec, imported));
    }

    [Fact]
    public void Sm2Dsa_RawAndDigestOfTheSameMessage_VerifyEachOther()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var message = "SM2DSA over SM3 with the default distinguishing ID"u8.ToArray();
        var e = AwsSm2Digest(_hsa.GetPublicKey(TestKeys.KeyArn, Spec, key), message);

        var raw = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message);
        var digest = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Digest, e);

        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message, raw));
        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Digest, e, raw));
        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message, digest));
        Asn1Sequence.GetInstance(raw); // DER SEQUENCE { r, s }
    }

    [Fact]
    public void Sm2Dsa_TamperedSignatureOrMessage_ReturnsFalse()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var message = "payment order 42"u8.ToArray();
        var signature = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message);

        var tampered = (byte[])signature.Clone();
        tampered[^1] ^= 0x01;
        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message, tampered));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, "payment order 43"u8, signature));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message, [1, 2, 3]));
        Assert.Throws<ArgumentException>(() => _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Digest, new byte[31]));
    }

    [Fact]
    public void Sm2Dsa_InteroperatesWithOpenSslAndTheDefaultId()
    {
        using var openssl = new OpenSsl();
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.Sm2);
        var key = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, privateKey);
        var message = "signed on both sides"u8.ToArray();
        var ours = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message);
        var pub = openssl.Pem("pub.pem", "PUBLIC KEY", publicKey);
        var priv = openssl.Pem("priv.pem", "PRIVATE KEY", privateKey);
        var msg = openssl.File("msg.bin", message);
        string[] sm3WithDefaultId = ["-rawin", "-in", msg, "-digest", "sm3", "-pkeyopt", "distid:1234567812345678"];

        Assert.True(openssl.Run(["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-sigfile", openssl.File("ours.sig", ours), .. sm3WithDefaultId]));
        Assert.True(openssl.Run(["pkeyutl", "-sign", "-inkey", priv, "-out", "theirs.sig", .. sm3WithDefaultId]));
        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, message, openssl.Read("theirs.sig")));
    }

    [Fact]
    public void Sm2Pke_InteroperatesWithOpenSslInTheAsn1Form()
    {
        using var openssl = new OpenSsl();
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.Sm2);
        var key = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, privateKey);
        var plaintext = RandomNumberGenerator.GetBytes(Sm2Scheme.MaxPlaintextLength);

        var ours = _hsa.EncryptWithPublicKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, plaintext);
        var sequence = Asn1Sequence.GetInstance(ours); // SEQUENCE { x, y, C3, C2 } (GM/T 0009)
        Assert.Equal(4, sequence.Count);
        Assert.Equal(plaintext.Length, Asn1OctetString.GetInstance(sequence[3]).GetOctets().Length);
        Assert.True(openssl.Run("pkeyutl", "-decrypt", "-inkey", openssl.Pem("priv.pem", "PRIVATE KEY", privateKey), "-in", openssl.File("ours.ct", ours), "-out", "ours.pt"));
        Assert.Equal(plaintext, openssl.Read("ours.pt"));

        Assert.True(openssl.Run("pkeyutl", "-encrypt", "-pubin", "-inkey", openssl.Pem("pub.pem", "PUBLIC KEY", publicKey), "-in", openssl.File("pt.bin", plaintext), "-out", "theirs.ct"));
        Assert.Equal(plaintext, _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, openssl.Read("theirs.ct")));
    }

    [Fact]
    public void Sm2Pke_TamperedOrForeignCiphertext_ThrowsInvalidCiphertext()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var other = _hsa.GenerateBackingKey(TestKeys.OtherKeyArn, Spec);
        var ciphertext = _hsa.EncryptWithPublicKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, "secret"u8);
        Assert.Equal("secret"u8.ToArray(), _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, ciphertext));

        for (var i = 0; i < ciphertext.Length; i += 5)
        {
            var tampered = (byte[])ciphertext.Clone();
            tampered[i] ^= 0x01;
            Assert.Throws<InvalidCiphertextException>(() => _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, tampered));
        }

        Assert.Throws<InvalidCiphertextException>(() => _hsa.DecryptWithPrivateKey(TestKeys.OtherKeyArn, Spec, other, EncryptionAlgorithmSpec.Sm2Pke, ciphertext));
        Assert.Throws<InvalidCiphertextException>(() => _hsa.DecryptWithPrivateKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, [0x30, 0x00]));
    }

    [Fact]
    public void Sm2Pke_PlaintextOverTheLimit_ThrowsArgument()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);

        Assert.Throws<ArgumentException>(() =>
            _hsa.EncryptWithPublicKey(TestKeys.KeyArn, Spec, key, EncryptionAlgorithmSpec.Sm2Pke, new byte[Sm2Scheme.MaxPlaintextLength + 1]));
    }

    [Fact]
    public void Ecdh_BothSidesDeriveTheSameXCoordinate_AndOtherCurvesAreRefused()
    {
        var alice = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var bob = _hsa.GenerateBackingKey(TestKeys.OtherKeyArn, Spec);
        var alicePublic = _hsa.GetPublicKey(TestKeys.KeyArn, Spec, alice);
        var bobPublic = _hsa.GetPublicKey(TestKeys.OtherKeyArn, Spec, bob);

        var aliceSecret = _hsa.DeriveSharedSecret(TestKeys.KeyArn, Spec, alice, bobPublic);
        Assert.Equal(32, aliceSecret.Length);
        Assert.Equal(aliceSecret, _hsa.DeriveSharedSecret(TestKeys.OtherKeyArn, Spec, bob, alicePublic));

        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        Assert.Throws<ArgumentException>(() => _hsa.DeriveSharedSecret(TestKeys.KeyArn, Spec, alice, p256.ExportSubjectPublicKeyInfo()));
        Assert.Throws<ArgumentException>(() => _hsa.DeriveSharedSecret(TestKeys.KeyArn, Spec, alice, [.. bobPublic, 0]));
        var offCurve = (byte[])bobPublic.Clone();
        offCurve[^1] ^= 0x01;
        Assert.Throws<ArgumentException>(() => _hsa.DeriveSharedSecret(TestKeys.KeyArn, Spec, alice, offCurve));
    }

    [Fact]
    public void Import_KeyOnAnotherCurveOrGarbage_ThrowsArgument()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (sm2, _) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.Sm2);

        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, p256.ExportPkcs8PrivateKey()));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, new byte[48]));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, [.. sm2, 0]));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, KeySpec.EccNistP256, sm2));
    }

    // AWS's SM2OfflineOperationHelper.calculateSM2Digest: e = SM3(Z_A ‖ M) with
    // Z_A = SM3(ENTL_A ‖ "1234567812345678" ‖ a ‖ b ‖ x_G ‖ y_G ‖ x_A ‖ y_A).
    private static byte[] AwsSm2Digest(byte[] spki, byte[] message)
    {
        var curve = GMNamedCurves.GetByOid(GMObjectIdentifiers.sm2p256v1);
        var point = curve.Curve.DecodePoint(SubjectPublicKeyInfo.GetInstance(spki).PublicKey.GetOctets());
        var id = "1234567812345678"u8.ToArray();
        byte[] za = Sm3(
            [(byte)((id.Length * 8) >> 8), (byte)(id.Length * 8)],
            id,
            curve.Curve.A.GetEncoded(),
            curve.Curve.B.GetEncoded(),
            curve.G.AffineXCoord.GetEncoded(),
            curve.G.AffineYCoord.GetEncoded(),
            point.AffineXCoord.GetEncoded(),
            point.AffineYCoord.GetEncoded());
        return Sm3(za, message);
    }

    private static byte[] Sm3(params byte[][] parts)
    {
        var sm3 = new SM3Digest();
        foreach (var part in parts)
        {
            sm3.BlockUpdate(part, 0, part.Length);
        }

        var output = new byte[sm3.GetDigestSize()];
        sm3.DoFinal(output, 0);
        return output;
    }
}
