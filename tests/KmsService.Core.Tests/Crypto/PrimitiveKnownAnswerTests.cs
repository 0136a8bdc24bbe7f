using System.Buffers.Binary;
using System.Security.Cryptography;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>Known-answer tests of the BCL primitives the HSA is built on, exactly as the HSA calls them.</summary>
public sealed class PrimitiveKnownAnswerTests
{
    // McGrew & Viega, "The Galois/Counter Mode of Operation (GCM)", appendix B, test case 16 (AES-256, 60-byte P, 20-byte A).
    [Fact]
    public void AesGcm_McGrewViegaTestCase16_MatchesVector()
    {
        AssertGcm(
            key: "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
            iv: "cafebabefacedbaddecaf888",
            plaintext: "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
            aad: "feedfacedeadbeeffeedfacedeadbeefabaddad2",
            ciphertext: "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
            tag: "76fc6ece0f4e1768cddf8853bb2d551b");
    }

    // Same document, test case 14: all-zero 256-bit key and IV, one zero block.
    [Fact]
    public void AesGcm_McGrewViegaTestCase14_MatchesVector()
    {
        AssertGcm(
            key: "0000000000000000000000000000000000000000000000000000000000000000",
            iv: "000000000000000000000000",
            plaintext: "00000000000000000000000000000000",
            aad: "",
            ciphertext: "cea7403d4d606b6e074ec5d3baf39d18",
            tag: "d0d1c8a799996bf0265b98b5d48ab919");
    }

    // NIST CAVP GCMVS gcmEncryptExtIV256.rsp, [Keylen = 256][IVlen = 96][PTlen = 128][AADlen = 160][Taglen = 128], Count = 0.
    [Fact]
    public void AesGcm_CavpEncryptExtIV256_MatchesVector()
    {
        AssertGcm(
            key: "83688deb4af8007f9b713b47cfa6c73e35ea7a3aa4ecdb414dded03bf7a0fd3a",
            iv: "0b459724904e010a46901cf3",
            plaintext: "33d893a2114ce06fc15d55e454cf90c3",
            aad: "794a14ccd178c8ebfd1379dc704c5e208f9d8424",
            ciphertext: "cc66bee423e3fcd4c0865715e9586696",
            tag: "0fb291bd3dba94a1dfd8b286cfb97ac5");
    }

    // NIST CAVP KBKDF KDFCTR_gen.txt, [PRF=HMAC_SHA256][CTRLOCATION=BEFORE_FIXED][RLEN=32_BITS], COUNT=0 (L=128)
    // and COUNT=30 (L=320, two PRF blocks). Checks the reference implementation below against NIST.
    [Theory]
    [InlineData(
        "dd1d91b7d90b2bd3138533ce92b272fbf8a369316aefe242e659cc0ae238afe0",
        "01322b96b30acd197979444e468e1c5c6859bf1b1cf951b7e725303e237e46b864a145fab25e517b08f8683d0315bb2911d80a0e8aba17f3b413faac",
        "10621342bfb0fd40046c0e29f2cfdbf0")]
    [InlineData(
        "c4bedbddb66493e7c7259a3bbbc25f8c7e0ca7fe284d92d431d9cd99a0d214ac",
        "1c69c54766791e315c2cc5c47ecd3ffab87d0d273dd920e70955814c220eacace6a5946542da3dfe24ff626b4897898cafb7db83bdff3c14fa46fd4b",
        "1da47638d6c9c4d04d74d4640bbd42ab814d9e8cc22f4326695239f96b0693f12d0dd1152cf44430")]
    public void CounterKdfReference_CavpKdfCtrVector_MatchesVector(string ki, string fixedInput, string ko)
    {
        var expected = Convert.FromHexString(ko);

        var actual = CounterKdfReference(Convert.FromHexString(ki), Convert.FromHexString(fixedInput), expected.Length);

        Assert.Equal(expected, actual);
    }

    // SP800108HmacCounterKdf builds the fixed input as Label || 0x00 || Context || [L]_32 (SP 800-108 §5); the
    // NIST-checked reference with that fixed input must give the same bytes, for the HSA's label and a 16-byte nonce.
    [Fact]
    public void SP800108HmacCounterKdf_HsaLabelAndNonce_MatchesReference()
    {
        var key = TestKeys.Sequence(0x40, 32);
        var label = "KmsService encrypt v1"u8.ToArray();
        var nonce = TestKeys.Sequence(0xa0, 16);
        var fixedInput = new byte[label.Length + 1 + nonce.Length + 4];
        label.CopyTo(fixedInput, 0);
        nonce.CopyTo(fixedInput, label.Length + 1);
        BinaryPrimitives.WriteInt32BigEndian(fixedInput.AsSpan(fixedInput.Length - 4), 256);

        var actual = SP800108HmacCounterKdf.DeriveBytes(key, HashAlgorithmName.SHA256, label, nonce, 32);

        Assert.Equal(CounterKdfReference(key, fixedInput, 32), actual);
        // Also computed with pyca/cryptography KBKDFHMAC (counter before fixed, rlen=4, llen=4).
        Assert.Equal(Convert.FromHexString("fb458879e3cb04db0275be55af7f4bb79a838c6ee790a09f65fa9c11328ad6d0"), actual);
    }

    // SP 800-108 §5.1: K(i) = PRF(KI, [i]_32 || FixedInputData), output = K(1) || K(2) || ... truncated to L.
    private static byte[] CounterKdfReference(byte[] ki, byte[] fixedInput, int length)
    {
        var output = new byte[length];
        var input = new byte[4 + fixedInput.Length];
        fixedInput.CopyTo(input, 4);
        for (int i = 1, offset = 0; offset < length; i++, offset += HMACSHA256.HashSizeInBytes)
        {
            BinaryPrimitives.WriteInt32BigEndian(input, i);
            var block = HMACSHA256.HashData(ki, input);
            block.AsSpan(0, Math.Min(block.Length, length - offset)).CopyTo(output.AsSpan(offset));
        }

        return output;
    }

    private static void AssertGcm(string key, string iv, string plaintext, string aad, string ciphertext, string tag)
    {
        var p = Convert.FromHexString(plaintext);
        var a = Convert.FromHexString(aad);
        var n = Convert.FromHexString(iv);
        var c = new byte[p.Length];
        var t = new byte[16];
        using var gcm = new AesGcm(Convert.FromHexString(key), 16);

        gcm.Encrypt(n, p, c, t, a);
        var decrypted = new byte[c.Length];
        gcm.Decrypt(n, c, t, decrypted, a);

        Assert.Equal(Convert.FromHexString(ciphertext), c);
        Assert.Equal(Convert.FromHexString(tag), t);
        Assert.Equal(p, decrypted);
    }
}
