using System.Security.Cryptography;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>Imported key material in the HSA: import tokens (sealed under the root key, bound to the key ARN, valid
/// until their date) and the unwrapping of RSAES-OAEP and RSA-AES key wrap material.</summary>
public sealed class SoftwareHsaImportTests
{
    private const string Arn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string OtherArn = "arn:aws:kms:us-east-1:111122223333:key/0000abcd-12ab-34cd-56ef-1234567890ab";
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static byte[] Oaep(ImportParameters parameters, byte[] material, RSAEncryptionPadding padding)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(parameters.PublicKey, out _);
        return rsa.Encrypt(material, padding);
    }

    [Fact]
    public void ImportWrappedKeyMaterial_Oaep_WrapsTheMaterialAsABackingKey()
    {
        using var hsa = TestKeys.NewHsa();
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec.Rsa2048, Now.AddHours(24));
        var material = RandomNumberGenerator.GetBytes(32);

        var backingKey = hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, parameters.ImportToken, Oaep(parameters, material, RSAEncryptionPadding.OaepSHA256), Now);

        Assert.Equal(KeyMaterialId.Compute(material), backingKey.MaterialId);
        var blob = hsa.Encrypt(Arn, backingKey, [7], EncryptionContext.Empty);
        Assert.Equal([7], hsa.Decrypt(Arn, backingKey, blob, EncryptionContext.Empty));
    }

    [Fact]
    public void ImportWrappedKeyMaterial_RsaAesKeyWrap_UnwrapsAPrivateKey()
    {
        using var hsa = TestKeys.NewHsa();
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.RsaAesKeyWrapSha1, WrappingKeySpec.Rsa3072, Now.AddHours(24));
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP521);
        var material = ec.ExportPkcs8PrivateKey();
        var aesKey = RandomNumberGenerator.GetBytes(32);
        byte[] wrapped = [.. Oaep(parameters, aesKey, RSAEncryptionPadding.OaepSHA1), .. AesKeyWrapPad.Wrap(aesKey, material)];

        var backingKey = hsa.ImportWrappedKeyMaterial(Arn, KeySpec.EccNistP521, parameters.ImportToken, wrapped, Now);

        Assert.Equal(ec.ExportSubjectPublicKeyInfo(), hsa.GetPublicKey(Arn, KeySpec.EccNistP521, backingKey));
    }

    [Fact]
    public void ImportToken_IsBoundToItsKeyAndAuthenticatedInEveryByte()
    {
        using var hsa = TestKeys.NewHsa();
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.RsaesOaepSha1, WrappingKeySpec.Rsa2048, Now.AddHours(24));
        var wrapped = Oaep(parameters, RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA1);

        Assert.Throws<InvalidImportTokenException>(() =>
            hsa.ImportWrappedKeyMaterial(OtherArn, KeySpec.SymmetricDefault, parameters.ImportToken, wrapped, Now));
        for (var i = 0; i < parameters.ImportToken.Length; i += 97)
        {
            var token = (byte[])parameters.ImportToken.Clone();
            token[i] ^= 0x80;
            Assert.Throws<InvalidImportTokenException>(() => hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, token, wrapped, Now));
        }

        Assert.Throws<InvalidImportTokenException>(() => hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, [1], wrapped, Now));
        using var otherRoot = TestKeys.NewHsa();
        Assert.Throws<InvalidImportTokenException>(() =>
            otherRoot.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, parameters.ImportToken, wrapped, Now));
    }

    [Fact]
    public void ImportToken_AfterItsValidTo_IsExpired()
    {
        using var hsa = TestKeys.NewHsa();
        var validTo = Now.AddHours(24);
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec.Rsa2048, validTo);
        var wrapped = Oaep(parameters, RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA256);

        hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, parameters.ImportToken, wrapped, validTo);
        Assert.Throws<ExpiredImportTokenException>(() =>
            hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, parameters.ImportToken, wrapped, validTo.AddMilliseconds(1)));
    }

    [Fact]
    public void ImportWrappedKeyMaterial_OtherAlgorithmOrWrongMaterial_IsRefused()
    {
        using var hsa = TestKeys.NewHsa();
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.RsaesOaepSha256, WrappingKeySpec.Rsa2048, Now.AddHours(24));

        Assert.Throws<InvalidCiphertextException>(() => hsa.ImportWrappedKeyMaterial(
            Arn, KeySpec.SymmetricDefault, parameters.ImportToken, Oaep(parameters, RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA1), Now));
        Assert.Throws<IncorrectKeyMaterialException>(() => hsa.ImportWrappedKeyMaterial(
            Arn, KeySpec.SymmetricDefault, parameters.ImportToken, Oaep(parameters, RandomNumberGenerator.GetBytes(31), RSAEncryptionPadding.OaepSHA256), Now));
        Assert.Throws<IncorrectKeyMaterialException>(() => hsa.ImportWrappedKeyMaterial(
            Arn, KeySpec.Hmac384, parameters.ImportToken, Oaep(parameters, RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA256), Now));
    }

    [Fact]
    public void CreateImportParameters_Sm2_WrapsWithSm2Pke()
    {
        using var hsa = TestKeys.NewHsa();
        var parameters = hsa.CreateImportParameters(Arn, AlgorithmSpec.Sm2Pke, WrappingKeySpec.Sm2, Now.AddHours(24));
        var material = RandomNumberGenerator.GetBytes(32);

        var wrapped = Sm2Encrypt(parameters.PublicKey, material);
        var backingKey = hsa.ImportWrappedKeyMaterial(Arn, KeySpec.SymmetricDefault, parameters.ImportToken, wrapped, Now);

        Assert.Equal(KeyMaterialId.Compute(material), backingKey.MaterialId);
    }

    /// <summary>SM2 public-key encryption (GB/T 32918.4, C1C3C2) as a client does it, in the DER form AWS uses
    /// (SEQUENCE { x, y, C3, C2 }).</summary>
    private static byte[] Sm2Encrypt(byte[] subjectPublicKeyInfo, byte[] plaintext)
    {
        var key = (Org.BouncyCastle.Crypto.Parameters.ECPublicKeyParameters)Org.BouncyCastle.Security.PublicKeyFactory.CreateKey(subjectPublicKeyInfo);
        var engine = new Org.BouncyCastle.Crypto.Engines.SM2Engine(new Org.BouncyCastle.Crypto.Digests.SM3Digest(), Org.BouncyCastle.Crypto.Engines.SM2Engine.Mode.C1C3C2);
        engine.Init(true, new Org.BouncyCastle.Crypto.Parameters.ParametersWithRandom(key, new Org.BouncyCastle.Security.SecureRandom()));
        var raw = engine.ProcessBlock(plaintext, 0, plaintext.Length);
        const int coordinate = 32;
        const int digest = 32;
        return new Org.BouncyCastle.Asn1.DerSequence(
            new Org.BouncyCastle.Asn1.DerInteger(new Org.BouncyCastle.Math.BigInteger(1, raw, 1, coordinate)),
            new Org.BouncyCastle.Asn1.DerInteger(new Org.BouncyCastle.Math.BigInteger(1, raw, 1 + coordinate, coordinate)),
            new Org.BouncyCastle.Asn1.DerOctetString(raw[(1 + (2 * coordinate))..(1 + (2 * coordinate) + digest)]),
            new Org.BouncyCastle.Asn1.DerOctetString(raw[(1 + (2 * coordinate) + digest)..])).GetDerEncoded();
    }
}
