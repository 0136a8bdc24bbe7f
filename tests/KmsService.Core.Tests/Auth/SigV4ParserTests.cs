using KmsService.Core.Auth;
using KmsService.Core.Errors;
using Xunit;

namespace KmsService.Core.Tests.Auth;

public sealed class SigV4ParserTests
{
    private const string Signature = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
    private const string WellFormed =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, "
        + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + Signature;

    [Fact]
    public void Parse_WellFormedHeader_ReturnsEveryPart()
    {
        var auth = SigV4Parser.Parse(Request(WellFormed));

        Assert.Equal("AKIDEXAMPLE", auth.AccessKeyId);
        Assert.Equal("20150830", auth.Date);
        Assert.Equal("us-east-1", auth.Region);
        Assert.Equal("kms", auth.Service);
        Assert.Equal("aws4_request", auth.Terminator);
        Assert.Equal(["content-type", "host", "x-amz-date", "x-amz-target"], auth.SignedHeaders);
        Assert.Equal(Signature, auth.Signature);
        Assert.Equal("20150830T123600Z", auth.AmzDate);
        Assert.Equal(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero), auth.RequestTime);
    }

    [Fact]
    public void Parse_WithoutAuthorizationHeader_ThrowsMissingAuthenticationToken()
    {
        var error = Assert.Throws<MissingAuthenticationTokenException>(() => SigV4Parser.Parse(Request(null)));

        Assert.Equal("Missing Authentication Token", error.Message);
    }

    [Fact]
    public void Parse_WithBlankAuthorizationHeader_ThrowsMissingAuthenticationToken()
    {
        Assert.Throws<MissingAuthenticationTokenException>(() => SigV4Parser.Parse(Request("   ")));
    }

    [Fact]
    public void Parse_AuthorizationHeaderNameInAnyCase_IsFound()
    {
        var request = new SigV4Request("POST", "/", "",
            [new("AUTHORIZATION", WellFormed), new("x-amz-date", "20150830T123600Z")], ReadOnlyMemory<byte>.Empty);

        Assert.Equal("AKIDEXAMPLE", SigV4Parser.Parse(request).AccessKeyId);
    }

    [Fact]
    public void Parse_CommasWithoutSpaces_ReturnsEveryPart()
    {
        var auth = SigV4Parser.Parse(Request(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request,SignedHeaders=host;x-amz-date,Signature=" + Signature));

        Assert.Equal(["host", "x-amz-date"], auth.SignedHeaders);
        Assert.Equal(Signature, auth.Signature);
    }

    [Fact]
    public void Parse_SchemeOnlyAndNoDate_ListsEveryMissingPartAsAwsDoes()
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request("AWS4-HMAC-SHA256", date: null)));

        Assert.Equal(
            "Authorization header requires 'Credential' parameter. "
            + "Authorization header requires 'Signature' parameter. "
            + "Authorization header requires 'SignedHeaders' parameter. "
            + "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. "
            + "Authorization=AWS4-HMAC-SHA256",
            error.Message);
    }

    [Fact]
    public void Parse_WithoutSignature_NamesOnlyTheMissingParameter()
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders=host")));

        Assert.Equal("Authorization header requires 'Signature' parameter. Authorization=AWS4-HMAC-SHA256", error.Message);
    }

    [Fact]
    public void Parse_WithoutDateHeaders_ThrowsIncompleteSignature()
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(WellFormed, date: null)));

        Assert.Equal(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. Authorization=AWS4-HMAC-SHA256",
            error.Message);
    }

    [Fact]
    public void Parse_BearerToken_ThrowsIncompleteSignatureWithoutEchoingTheToken()
    {
        const string Token = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2VjcmV0LXNpZ25hdHVyZQ";

        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request("Bearer " + Token)));

        Assert.StartsWith("Authorization header requires 'Credential' parameter. ", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Authorization=Bearer", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_OtherAws4Algorithm_ThrowsUnsupportedAlgorithm()
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(
            WellFormed.Replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA25", StringComparison.Ordinal))));

        Assert.Equal("Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA25' (only AWS4-HMAC-SHA256 for now). ", error.Message);
    }

    [Fact]
    public void Parse_SpaceAfterCredentialEquals_ThrowsMissingEqualSign()
    {
        // The classic copy-paste mistake: AWS splits on spaces too, so the key id becomes its own parameter.
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(
            WellFormed.Replace("Credential=", "Credential= ", StringComparison.Ordinal))));

        Assert.Equal(
            "'AKIDEXAMPLE/20150830/us-east-1/kms/aws4_...' not a valid key=value pair (missing equal-sign) in Authorization header.",
            error.Message);
    }

    [Fact]
    public void Parse_CredentialWithFourElements_ThrowsIncompleteSignature()
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms, SignedHeaders=host, Signature=" + Signature)));

        Assert.Equal(
            "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got 'AKIDEXAMPLE/20150830/us-east-1/kms'",
            error.Message);
    }

    [Fact]
    public void Parse_CredentialWithSixElements_ThrowsIncompleteSignature()
    {
        Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(
            "AWS4-HMAC-SHA256 Credential=AKID/EXAMPLE/20150830/us-east-1/kms/aws4_request, SignedHeaders=host, Signature=" + Signature)));
    }

    [Fact]
    public void Parse_CredentialWithTrailingSlash_IgnoresIt()
    {
        var auth = SigV4Parser.Parse(Request(
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request/, SignedHeaders=host, Signature=" + Signature));

        Assert.Equal("aws4_request", auth.Terminator);
    }

    [Theory]
    [InlineData("2015-08-30T12:36:00Z")]
    [InlineData("20150830T1236Z")]
    [InlineData("20150830")]
    [InlineData("Sun, 30 Aug 2015 12:36:00 GMT")]
    public void Parse_XAmzDateNotIsoBasic_ThrowsIncompleteSignature(string date)
    {
        var error = Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(WellFormed, date)));

        Assert.Equal($"Date must be in ISO-8601 'basic format'. Got '{date}'. See http://en.wikipedia.org/wiki/ISO_8601", error.Message);
    }

    [Fact]
    public void Parse_OnlyRfc1123DateHeader_UsesItAsTheRequestTime()
    {
        var request = new SigV4Request("POST", "/", "",
            [new("Authorization", WellFormed), new("Date", "Sun, 30 Aug 2015 12:36:00 GMT")], ReadOnlyMemory<byte>.Empty);

        var auth = SigV4Parser.Parse(request);

        Assert.Equal("20150830T123600Z", auth.AmzDate);
        Assert.Equal(new DateTimeOffset(2015, 8, 30, 12, 36, 0, TimeSpan.Zero), auth.RequestTime);
    }

    [Fact]
    public void Parse_BothDateHeaders_PrefersXAmzDate()
    {
        var request = new SigV4Request("POST", "/", "",
            [new("Date", "Mon, 31 Aug 2015 00:00:00 GMT"), new("Authorization", WellFormed), new("X-Amz-Date", "20150830T123600Z")],
            ReadOnlyMemory<byte>.Empty);

        Assert.Equal("20150830T123600Z", SigV4Parser.Parse(request).AmzDate);
    }

    [Fact]
    public void Parse_RepeatedParameter_TakesTheLastAsAwsDoes()
    {
        var auth = SigV4Parser.Parse(Request(WellFormed + ", SignedHeaders=host"));

        Assert.Equal(["host"], auth.SignedHeaders);
    }

    [Fact]
    public void Parse_UnknownParameter_IsIgnored()
    {
        var auth = SigV4Parser.Parse(Request(WellFormed + ", Extra=1"));

        Assert.Equal("AKIDEXAMPLE", auth.AccessKeyId);
    }

    [Fact]
    public void Parse_ScopeDateDifferentFromXAmzDate_LeavesTheCheckToTheVerifier()
    {
        var auth = SigV4Parser.Parse(Request(WellFormed.Replace("/20150830/", "/20150831/", StringComparison.Ordinal)));

        Assert.Equal("20150831", auth.Date);
        Assert.Equal("20150830T123600Z", auth.AmzDate);
    }

    // The parser reads the usual 16-character form itself and leaves anything else to DateTimeOffset.TryParseExact:
    // both must agree on what they accept and on the time.
    [Theory]
    [InlineData("20150830T123600Z")]
    [InlineData("20240229T235959Z")]
    [InlineData("00010101T000000Z")]
    [InlineData("99991231T235959Z")]
    public void Parse_IsoBasicDate_SameTimeAsTryParseExact(string date)
    {
        var expected = DateTimeOffset.ParseExact(
            date, "yyyyMMdd'T'HHmmss'Z'", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal);

        var auth = SigV4Parser.Parse(Request(WellFormed, date));

        Assert.Equal(expected, auth.RequestTime);
        Assert.Equal(TimeSpan.Zero, auth.RequestTime.Offset);
    }

    [Theory]
    [InlineData("20150230T123600Z")]
    [InlineData("20230229T000000Z")]
    [InlineData("20151330T123600Z")]
    [InlineData("20150830T243600Z")]
    [InlineData("20150830T126000Z")]
    [InlineData("20150830T123660Z")]
    [InlineData("00000830T123600Z")]
    [InlineData("2015083OT123600Z")]
    [InlineData("20150830 123600Z")]
    [InlineData("20150830T123600z")]
    public void Parse_IsoBasicShapedDateOutOfRange_ThrowsIncompleteSignature(string date)
    {
        Assert.Throws<IncompleteSignatureException>(() => SigV4Parser.Parse(Request(WellFormed, date)));
    }

    [Fact]
    public void Parse_SameScopeTwice_SharesTheScopeAndSignedHeaderStrings()
    {
        var first = SigV4Parser.Parse(Request(WellFormed));
        var second = SigV4Parser.Parse(Request(WellFormed));

        Assert.Same(first.AccessKeyId, second.AccessKeyId);
        Assert.Same(first.Region, second.Region);
        Assert.Same(first.SignedHeaders, second.SignedHeaders);
        Assert.Equal(Signature, second.Signature);
    }

    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("eusc-de-east-1", "aws-eusc")]
    public void Parse_ScopeRegion_CarriesItsPartition(string region, string partition)
    {
        for (var i = 0; i < 2; i++)
        {
            var auth = SigV4Parser.Parse(Request(WellFormed.Replace("/us-east-1/", $"/{region}/", StringComparison.Ordinal)));

            Assert.Equal(region, auth.Region);
            Assert.Equal(partition, auth.Partition);
        }
    }

    [Theory]
    [InlineData("us-east-1:111122223333")]
    [InlineData("")]
    [InlineData("local")]
    public void Parse_ScopeRegionNotARegionName_HasNoPartitionAndLeavesTheCheckToTheVerifier(string region)
    {
        for (var i = 0; i < 2; i++)
        {
            var auth = SigV4Parser.Parse(Request(WellFormed.Replace("/us-east-1/", $"/{region}/", StringComparison.Ordinal)));

            Assert.Equal(region, auth.Region);
            Assert.Null(auth.Partition);
        }
    }

    [Fact]
    public void Parse_SignedHeadersWithEmptyNames_KeepsThemAsSplitDoes()
    {
        var header = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/kms/aws4_request/, "
            + "SignedHeaders=;host;;x-amz-date;, Signature=" + Signature;

        var auth = SigV4Parser.Parse(Request(header));

        Assert.Equal(";host;;x-amz-date;".Split(';'), auth.SignedHeaders);
        Assert.Equal("aws4_request", auth.Terminator);
    }

    private static SigV4Request Request(string? authorization, string? date = "20150830T123600Z")
    {
        var headers = new List<KeyValuePair<string, string>> { new("Host", "127.0.0.1:5000") };
        if (authorization is not null)
        {
            headers.Add(new("Authorization", authorization));
        }

        if (date is not null)
        {
            headers.Add(new("X-Amz-Date", date));
        }

        return new SigV4Request("POST", "/", "", headers, ReadOnlyMemory<byte>.Empty);
    }
}
