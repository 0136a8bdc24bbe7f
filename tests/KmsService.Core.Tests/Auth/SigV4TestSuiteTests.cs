using System.Text;
using KmsService.Core.Auth;
using KmsService.Core.Errors;
using Xunit;

namespace KmsService.Core.Tests.Auth;

/// <summary>
/// AWS's published SigV4 test suite (signature-v4-test-suite, 2015-08-30 edition, as kept in
/// awslabs/aws-c-auth tests/aws-signing-test-suite/v4/*/header-signed-request.txt). Credentials AKIDEXAMPLE,
/// region us-east-1, service "service". Each request is given as the suite writes its request line: the path
/// there is what the signer encodes once.
/// </summary>
public sealed class SigV4TestSuiteTests
{
    private const string Secret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    private const string Scope = "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request";
    private const string EmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    private const string FormBodyHash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
    private const string Unreserved = "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    private static readonly DateTimeOffset SuiteTime = new(2015, 8, 30, 12, 36, 0, TimeSpan.Zero);

    private static readonly Dictionary<string, Vector> Vectors = new[]
    {
        new Vector("get-vanilla", "GET", "/", "", [], "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new Vector("post-vanilla", "POST", "/", "", [], "host;x-amz-date",
            "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"),
        new Vector("get-vanilla-query-order-key-case", "GET", "/", "Param2=value2&Param1=value1", [], "host;x-amz-date",
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"),
        new Vector("get-vanilla-query-order-encoded", "GET", "/", "Param-3=Value3&Param=Value2&%E1%88%B4=Value1", [], "host;x-amz-date",
            "371d3713e185cc334048618a97f809c9ffe339c62934c032af5a0e595648fcac"),
        new Vector("get-vanilla-empty-query-key", "GET", "/", "Param1=value1", [], "host;x-amz-date",
            "a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"),
        new Vector("get-vanilla-query-unreserved", "GET", "/", Unreserved + "=" + Unreserved, [], "host;x-amz-date",
            "9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"),
        new Vector("get-vanilla-utf8-query", "GET", "/", "\u1234=bar", [], "host;x-amz-date",
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"),
        new Vector("post-vanilla-query", "POST", "/", "Param1=value1", [], "host;x-amz-date",
            "28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"),
        new Vector("get-utf8", "GET", "/\u1234", "", [], "host;x-amz-date",
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"),
        new Vector("get-unreserved", "GET", "/" + Unreserved, "", [], "host;x-amz-date",
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"),
        new Vector("get-space-normalized", "GET", "/example space/", "", [], "host;x-amz-date",
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741"),
        new Vector("get-slashes-normalized", "GET", "//example//", "", [], "host;x-amz-date",
            "9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84"),
        new Vector("get-slash-normalized", "GET", "//", "", [], "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new Vector("get-slash-dot-slash-normalized", "GET", "/./", "", [], "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new Vector("get-slash-pointless-dot-normalized", "GET", "/./example", "", [], "host;x-amz-date",
            "ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5"),
        new Vector("get-relative-normalized", "GET", "/example/..", "", [], "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new Vector("get-relative-relative-normalized", "GET", "/example1/example2/../..", "", [], "host;x-amz-date",
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"),
        new Vector("get-header-key-duplicate", "GET", "/", "",
            [new("My-Header1", "value2"), new("My-Header1", "value2"), new("My-Header1", "value1")],
            "host;my-header1;x-amz-date",
            "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"),
        new Vector("get-header-value-order", "GET", "/", "",
            [new("My-Header1", "value4"), new("My-Header1", "value1"), new("My-Header1", "value3"), new("My-Header1", "value2")],
            "host;my-header1;x-amz-date",
            "08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"),
        new Vector("get-header-value-trim", "GET", "/", "",
            [new("My-Header1", " value1"), new("My-Header2", " \"a   b   c\"")],
            "host;my-header1;my-header2;x-amz-date",
            "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"),

        // The suite's folded header (value1 / value2 / value3 on continuation lines) reaches a server that
        // unfolds it as three lines of the same name, which canonicalize to "value1,value2,value3".
        new Vector("get-header-value-multiline", "GET", "/", "",
            [new("My-Header1", "value1"), new("My-Header1", "value2"), new("My-Header1", "value3")],
            "host;my-header1;x-amz-date",
            "ba17b383a53190154eb5fa66a1b836cc297cc0a3d70a5d00705980573d8ff790"),
        new Vector("post-header-key-sort", "POST", "/", "", [new("My-Header1", "value1")], "host;my-header1;x-amz-date",
            "c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"),
        new Vector("post-header-value-case", "POST", "/", "", [new("My-Header1", "VALUE1")], "host;my-header1;x-amz-date",
            "cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"),
        new Vector("get-vanilla-with-session-token", "GET", "/", "",
            [new("X-Amz-Security-Token", "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267")],
            "host;x-amz-date;x-amz-security-token",
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"),

        // 2015 edition: body hashed by the verifier (no x-amz-content-sha256 header).
        new Vector("post-x-www-form-urlencoded-2015", "POST", "/", "",
            [new("Content-Type", "application/x-www-form-urlencoded")],
            "content-type;host;x-amz-date",
            "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
            "Param1=value1"),

        // aws-c-auth edition: the signer also sends and signs x-amz-content-sha256.
        new Vector("post-x-www-form-urlencoded", "POST", "/", "",
            [new("Content-Type", "application/x-www-form-urlencoded"), new("Content-Length", "13"), new("x-amz-content-sha256", FormBodyHash)],
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
            "Param1=value1"),
        new Vector("post-x-www-form-urlencoded-parameters", "POST", "/", "",
            [new("Content-Type", "application/x-www-form-urlencoded; charset=utf-8"), new("Content-Length", "13"), new("x-amz-content-sha256", FormBodyHash)],
            "content-length;content-type;host;x-amz-content-sha256;x-amz-date",
            "328d1b9eaadca9f5818ef05e8392801e091653bafec24fcab71e7344e7f51422",
            "Param1=value1"),
    }.ToDictionary(v => v.Name);

    public static TheoryData<string> VectorNames => new(Vectors.Keys);

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Verify_SuiteVector_Succeeds(string name)
    {
        var request = Vectors[name].Request();

        var auth = SigV4Parser.Parse(request);
        Verifier().Verify(request, auth, Secret, "service");
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Verify_SuiteVectorWithOneSignatureCharacterChanged_ThrowsInvalidSignature(string name)
    {
        var vector = Vectors[name];
        var last = vector.Signature[^1];
        var request = (vector with { Signature = vector.Signature[..^1] + (last == '0' ? '1' : '0') }).Request();

        var auth = SigV4Parser.Parse(request);
        var error = Assert.Throws<InvalidSignatureException>(() => Verifier().Verify(request, auth, Secret, "service"));

        Assert.Equal(SigV4Verifier.SignatureMismatch, error.Message);
    }

    [Theory]
    [MemberData(nameof(VectorNames))]
    public void Verify_SuiteVectorWithOneHostCharacterChanged_ThrowsInvalidSignature(string name)
    {
        var request = (Vectors[name] with { Host = "example.amazonaws.con" }).Request();

        var auth = SigV4Parser.Parse(request);

        Assert.Throws<InvalidSignatureException>(() => Verifier().Verify(request, auth, Secret, "service"));
    }

    [Fact]
    public void Verify_SuiteVectorWithOtherSecret_ThrowsInvalidSignature()
    {
        var request = Vectors["get-vanilla"].Request();
        var auth = SigV4Parser.Parse(request);

        Assert.Throws<InvalidSignatureException>(() =>
            Verifier().Verify(request, auth, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", "service"));
    }

    [Fact]
    public void CanonicalRequest_GetHeaderValueTrim_MatchesSuite()
    {
        var request = Vectors["get-header-value-trim"].Request();

        var canonical = SigV4Canonical.CanonicalRequest(request, SigV4Parser.Parse(request), EmptyHash);

        Assert.Equal(
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\nx-amz-date:20150830T123600Z\n\n"
            + "host;my-header1;my-header2;x-amz-date\n" + EmptyHash,
            canonical);
    }

    [Fact]
    public void CanonicalRequest_GetVanillaQueryOrderKeyCase_MatchesSuite()
    {
        var request = Vectors["get-vanilla-query-order-key-case"].Request();

        var canonical = SigV4Canonical.CanonicalRequest(request, SigV4Parser.Parse(request), EmptyHash);

        Assert.Equal(
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            + "host;x-amz-date\n" + EmptyHash,
            canonical);
    }

    [Fact]
    public void DeriveSigningKey_AwsDocumentationExample_MatchesPublishedKey()
    {
        // AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
        var key = SigV4Verifier.DeriveSigningKey(Secret, "20150830", "us-east-1", "iam");

        Assert.Equal("c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9", Convert.ToHexStringLower(key));
    }

    private static SigV4Verifier Verifier() => new(new ManualTimeProvider(SuiteTime));

    /// <summary>One suite case: extra headers go between Host and X-Amz-Date, as in the suite's files.</summary>
    private sealed record Vector(
        string Name,
        string Method,
        string Path,
        string Query,
        KeyValuePair<string, string>[] Headers,
        string SignedHeaders,
        string Signature,
        string Body = "")
    {
        public string Host { get; init; } = "example.amazonaws.com";

        public SigV4Request Request()
        {
            var headers = new List<KeyValuePair<string, string>> { new("Host", Host) };
            headers.AddRange(Headers);
            headers.Add(new("Authorization", $"AWS4-HMAC-SHA256 Credential={Scope}, SignedHeaders={SignedHeaders}, Signature={Signature}"));
            headers.Add(new("X-Amz-Date", "20150830T123600Z"));
            return new SigV4Request(Method, Path, Query, headers, Encoding.UTF8.GetBytes(Body));
        }
    }
}
