using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

public sealed class Ed25519SchemeTests : IDisposable
{
    // RFC 8410 §7: PKCS #8 v1 of an Ed25519 seed, and the SubjectPublicKeyInfo prefix.
    private const string Pkcs8Prefix = "302e020100300506032b657004220420";
    private const string SpkiPrefix = "302a300506032b6570032100";

    private const KeySpec Spec = KeySpec.EccNistEdwards25519;

    private readonly SoftwareHsa _hsa = TestKeys.NewHsa();

    public void Dispose() => _hsa.Dispose();

    // RFC 8032 §7.1: TEST 1, TEST 2, TEST 3 and TEST SHA(abc) (secret key, public key, message, signature).
    [Theory]
    [InlineData(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        "",
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
    [InlineData(
        "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        "72",
        "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
    [InlineData(
        "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        "af82",
        "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
    [InlineData(
        "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704")]
    public void Ed25519Sha512_Rfc8032Vectors_SignAndPublicKeyMatch(string secret, string publicKey, string message, string signature)
    {
        var key = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, Convert.FromHexString(Pkcs8Prefix + secret));
        var msg = Convert.FromHexString(message);

        Assert.Equal(Convert.FromHexString(SpkiPrefix + publicKey), _hsa.GetPublicKey(TestKeys.KeyArn, Spec, key));
        var signed = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, msg);
        Assert.Equal(Convert.FromHexString(signature), signed);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, msg, signed));
    }

    [Fact]
    public void Ed25519PhSha512_Rfc8032Section73Vector_SignsThePrehashOfTheMessage()
    {
        // RFC 8032 §7.3 (Ed25519ph, empty context): message "abc". The scheme prehashes what it is given with SHA-512,
        // as KMS does with a DIGEST message (the caller's digest is hashed once more).
        var key = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, Convert.FromHexString(Pkcs8Prefix + "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42"));

        var signed = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, "abc"u8);

        Assert.Equal(
            Convert.FromHexString("98a70222f0b8121aa9d30f813d683f809e462b469c7ff87639499bb94e6dae4131f85042463c2a355a2003d062adf5aaa10b8c61e636062aaad11c2a26083406"),
            signed);
    }

    [Fact]
    public void Ed25519PhSha512_DigestMessage_VerifiesAndDiffersFromPureEd25519()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var digest = SHA512.HashData("a message too long for KMS"u8);

        var ph = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, digest);
        var pure = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, digest);

        Assert.Equal(64, ph.Length);
        Assert.NotEqual(pure, ph);
        Assert.True(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, digest, ph));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, digest, ph));
    }

    [Theory]
    [InlineData(SigningAlgorithmSpec.Ed25519Sha512, MessageType.Digest)]
    [InlineData(SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Raw)]
    [InlineData(SigningAlgorithmSpec.EcdsaSha256, MessageType.Raw)]
    public void Sign_WithAPairingAwsRefuses_ThrowsArgumentOutOfRange(SigningAlgorithmSpec algorithm, MessageType messageType)
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);

        Assert.Throws<ArgumentOutOfRangeException>(() => _hsa.Sign(TestKeys.KeyArn, Spec, key, algorithm, messageType, new byte[64]));
    }

    [Fact]
    public void Verify_TamperedSignatureOrMessage_ReturnsFalse()
    {
        var key = _hsa.GenerateBackingKey(TestKeys.KeyArn, Spec);
        var message = "release manifest v1"u8.ToArray();
        var signature = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, message);

        for (var i = 0; i < signature.Length; i += 7)
        {
            var tampered = (byte[])signature.Clone();
            tampered[i] ^= 0x01;
            Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, message, tampered));
        }

        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, "release manifest v2"u8, signature));
        Assert.False(_hsa.Verify(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, message, signature.AsSpan(0, 63)));
    }

    [Fact]
    public void GenerateDataKeyPair_Ed25519_IsRfc8410Pkcs8AndSpkiOfOneKey()
    {
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.EccNistEdwards25519);

        Assert.Equal(48, privateKey.Length);
        Assert.Equal(Pkcs8Prefix, Convert.ToHexStringLower(privateKey[..16]));
        Assert.Equal(44, publicKey.Length);
        Assert.Equal(SpkiPrefix, Convert.ToHexStringLower(publicKey[..12]));
        var imported = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, privateKey);
        Assert.Equal(publicKey, _hsa.GetPublicKey(TestKeys.KeyArn, Spec, imported));
    }

    [Fact]
    public void Signature_VerifiesWithOpenSsl_AndOpenSslKeysImport()
    {
        using var openssl = new OpenSsl();
        var (privateKey, publicKey) = _hsa.GenerateDataKeyPair(DataKeyPairSpec.EccNistEdwards25519);
        var key = _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, privateKey);
        var message = "signed by KmsService, checked by OpenSSL"u8.ToArray();
        var signature = _hsa.Sign(TestKeys.KeyArn, Spec, key, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, message);
        var pub = openssl.Pem("pub.pem", "PUBLIC KEY", publicKey);
        var msg = openssl.File("msg.bin", message);

        Assert.True(openssl.Run("pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", openssl.File("sig.bin", signature)));
        Assert.False(openssl.Run("pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", openssl.File("other.bin", [.. message, 0]), "-sigfile", openssl.PathOf("sig.bin")));

        // A key OpenSSL generates imports, and signs what OpenSSL signs (Ed25519 is deterministic).
        Assert.True(openssl.Run("genpkey", "-algorithm", "ed25519", "-outform", "DER", "-out", "theirs.der"));
        Assert.True(openssl.Run("pkeyutl", "-sign", "-keyform", "DER", "-inkey", "theirs.der", "-rawin", "-in", msg, "-out", "theirs.sig"));
        var theirs = _hsa.ImportBackingKey(TestKeys.OtherKeyArn, Spec, openssl.Read("theirs.der"));
        Assert.Equal(openssl.Read("theirs.sig"), _hsa.Sign(TestKeys.OtherKeyArn, Spec, theirs, SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, message));
    }

    [Fact]
    public void Import_MaterialThatIsNotAnEd25519Key_ThrowsArgument()
    {
        using var p256 = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var good = Convert.FromHexString(Pkcs8Prefix + "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");

        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, p256.ExportPkcs8PrivateKey()));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, [.. good, 0]));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, good.AsSpan(0, good.Length - 1)));
        Assert.Throws<ArgumentException>(() => _hsa.ImportBackingKey(TestKeys.KeyArn, Spec, new byte[32]));
    }

    [Fact]
    public void KeySchemes_SupportEd25519()
    {
        Assert.True(KeySchemes.Supports(Spec));
    }
}
