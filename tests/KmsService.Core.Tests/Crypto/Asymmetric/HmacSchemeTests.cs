using System.Text;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

/// <summary>Known answers of <see cref="HmacScheme"/>: RFC 4231 §4 test cases 1, 2 and 6 for HMAC-SHA-224/256/384/512
/// (the keys there are not of the KMS key lengths, which Mac does not require; GenerateMac's keys are generated).</summary>
public sealed class HmacSchemeTests
{
    private static readonly HmacScheme Scheme = new();

    private const string Case1Key = "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b";
    private const string Case1Data = "Hi There";
    private const string Case2Key = "4a656665"; // "Jefe"
    private const string Case2Data = "what do ya want for nothing?";
    private const string Case6Data = "Test Using Larger Than Block-Size Key - Hash Key First";
    private static readonly string Case6Key = string.Concat(Enumerable.Repeat("aa", 131));

    public static TheoryData<string, string, string, string> Rfc4231Vectors() => new()
    {
        { Case1Key, Case1Data, "HMAC_SHA_224", "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22" },
        { Case1Key, Case1Data, "HMAC_SHA_256", "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
        { Case1Key, Case1Data, "HMAC_SHA_384", "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59cfaea9ea9076ede7f4af152e8b2fa9cb6" },
        { Case1Key, Case1Data, "HMAC_SHA_512", "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854" },
        { Case2Key, Case2Data, "HMAC_SHA_224", "a30e01098bc6dbbf45690f3a7e9e6d0f8bbea2a39e6148008fd05e44" },
        { Case2Key, Case2Data, "HMAC_SHA_256", "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
        { Case2Key, Case2Data, "HMAC_SHA_384", "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649" },
        { Case2Key, Case2Data, "HMAC_SHA_512", "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737" },
        { Case6Key, Case6Data, "HMAC_SHA_224", "95e9a0db962095adaebe9b2d6f0dbce2d499f112f2d2b7273fa6870e" },
        { Case6Key, Case6Data, "HMAC_SHA_256", "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
        { Case6Key, Case6Data, "HMAC_SHA_384", "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c60c2ef6ab4030fe8296248df163f44952" },
        { Case6Key, Case6Data, "HMAC_SHA_512", "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598" },
    };

    [Theory]
    [MemberData(nameof(Rfc4231Vectors))]
    public void Mac_Rfc4231TestCase_MatchesVector(string keyHex, string data, string algorithm, string expectedHex)
    {
        var spec = WireNames<MacAlgorithmSpec>.Parse(algorithm);
        var mac = Scheme.Mac(KeySpecFor(spec), Convert.FromHexString(keyHex), spec, Encoding.ASCII.GetBytes(data));

        Assert.Equal(expectedHex, Convert.ToHexStringLower(mac));
    }

    [Theory]
    [InlineData("HMAC_224", 28)]
    [InlineData("HMAC_256", 32)]
    [InlineData("HMAC_384", 48)]
    [InlineData("HMAC_512", 64)]
    public void Generate_EachSpec_MakesAKeyOfItsBitLength(string spec, int length)
    {
        var keySpec = WireNames<KeySpec>.Parse(spec);
        var key = Scheme.Generate(keySpec);

        Assert.Equal(length, key.Length);
        Scheme.Validate(keySpec, key);
        Assert.Throws<ArgumentException>(() => Scheme.Validate(keySpec, key.AsSpan(1)));
    }

    private static KeySpec KeySpecFor(MacAlgorithmSpec algorithm) => algorithm switch
    {
        MacAlgorithmSpec.HmacSha224 => KeySpec.Hmac224,
        MacAlgorithmSpec.HmacSha256 => KeySpec.Hmac256,
        MacAlgorithmSpec.HmacSha384 => KeySpec.Hmac384,
        _ => KeySpec.Hmac512,
    };
}
