using System.Text;
using KmsService.Core.Auth;
using KmsService.Core.Errors;
using Xunit;

namespace KmsService.Core.Tests.Auth;

public sealed class SigV4VerifierTests
{
    private const string Secret = SigV4Signer.Secret;
    private static readonly DateTimeOffset ServerNow = new(2026, 11, 29, 1, 15, 0, TimeSpan.Zero);

    private readonly ManualTimeProvider _clock = new(ServerNow);
    private readonly SigV4Verifier _verifier;

    public SigV4VerifierTests()
    {
        _verifier = new SigV4Verifier(_clock);
    }

    [Fact]
    public void Verify_SignedKmsRequest_Succeeds()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, body: "{\"KeyId\":\"alias/test\",\"Plaintext\":\"aGVsbG8=\"}");

        Verify(request);
    }

    // ---- Hard-coded vectors from botocore 1.43 (SigV4Auth, service "kms"), generated once with python3:
    // AWSRequest(method="POST", url=..., data=body, headers=...); get_current_datetime patched to 2026-11-29T01:15:00Z.

    [Fact]
    public void Verify_BotocoreEncryptToHostWithPort_Succeeds()
    {
        const string Body = "{\"KeyId\": \"alias/test\", \"Plaintext\": \"aGVsbG8=\"}";
        var request = Received("/", Body,
            ("Host", "127.0.0.1:5000"),
            ("Accept-Encoding", "identity"),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "TrentService.Encrypt"),
            ("X-Amz-Date", "20261129T011500Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-west-2/kms/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                + "Signature=931877d522b399c5ce31e31ff0eec5ba2becd4cb8feff911e5671ffe48131fa3"),
            ("amz-sdk-invocation-id", "a3a1c1f2-8e35-4d0d-9d4a-0c2b1c7a9e11"),
            ("amz-sdk-request", "attempt=1"),
            ("Content-Length", "48"),
            ("User-Agent", "Boto3/1.40.0 md/Botocore#1.43.11"));

        Verify(request, expectedRegion: "us-west-2");
    }

    [Fact]
    public void Verify_BotocoreToPrefixPath_Succeeds()
    {
        var request = Received("/prefix", "{}",
            ("Host", "localhost:4566"),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "TrentService.Encrypt"),
            ("X-Amz-Date", "20261129T011500Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-west-2/kms/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                + "Signature=339f342d727e9892dff25e0c1ab2415604a04381ef831bb18492be6bff1ed301"),
            ("Content-Length", "2"));

        Verify(request);
    }

    [Fact]
    public void Verify_BotocoreWithSessionToken_Succeeds()
    {
        var request = Received("/", "{}",
            ("Host", "127.0.0.1:5000"),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("X-Amz-Target", "TrentService.ListKeys"),
            ("X-Amz-Date", "20261129T011500Z"),
            ("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=ASIAIOSFODNN7EXAMPLE/20261129/us-east-1/kms/aws4_request, "
                + "SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, "
                + "Signature=c60ba3f9a167fe68120d65ec9c6d82fbac258478138fae81303f3f6088e4a078"),
            ("Content-Length", "2"));

        Verify(request, secret: "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY");
    }

    [Fact]
    public void Verify_DotNetSdkShapeWithContentSha256_Succeeds()
    {
        // The .NET SDK's shape: x-amz-content-sha256, content-length and the amz-sdk-* headers signed.
        // Signed by botocore with those headers present before signing.
        const string Body = "{\"KeyId\":\"alias/test\",\"Plaintext\":\"aGVsbG8=\"}";
        var request = Received("/", Body,
            ("Host", "127.0.0.1:5000"),
            ("X-Amz-Target", "TrentService.Encrypt"),
            ("Content-Type", "application/x-amz-json-1.1"),
            ("Content-Length", "45"),
            ("x-amz-content-sha256", "cf687f6ea77fcd5b3a2d9c7615e3a6f3a9febae2a6715d1c447b1ea55b72ae62"),
            ("amz-sdk-invocation-id", "5f0c0a7e-4c6e-4b51-9a0e-3b8e1e2f9d10"),
            ("amz-sdk-request", "attempt=1; max=5"),
            ("X-Amz-Date", "20261129T011500Z"),
            ("Authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/eu-central-1/kms/aws4_request, "
                + "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target, "
                + "Signature=5afb6ec30a8fae524933742e9397787e2928f09619733a793e146ed9caf7486b"),
            ("User-Agent", "aws-sdk-dotnet-coreclr/4.0.0"));

        Verify(request, expectedRegion: "eu-central-1");
    }

    [Fact]
    public void Verify_JavaScriptV3ShapeToPrefixSlashPath_Succeeds()
    {
        const string Body = "{\"KeyId\":\"1234abcd-12ab-34cd-56ef-1234567890ab\"}";
        var request = Received("/prefix/", Body,
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amz-target", "TrentService.DescribeKey"),
            ("content-length", "48"),
            ("x-amz-user-agent", "aws-sdk-js/3.700.0"),
            ("amz-sdk-invocation-id", "0b9e3a4e-7d6c-4f1a-9a55-2f1e6f3c8d21"),
            ("amz-sdk-request", "attempt=1; max=3"),
            ("x-amz-content-sha256", "fb6f4a0d02fe5c621667821cc3d876d5477c611c27709a1283f5c399e0faea7f"),
            ("x-amz-date", "20261129T011500Z"),
            ("authorization", "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20261129/us-west-2/kms/aws4_request, "
                + "SignedHeaders=amz-sdk-invocation-id;amz-sdk-request;content-length;content-type;host;x-amz-content-sha256;x-amz-date;x-amz-target;x-amz-user-agent, "
                + "Signature=df7050751784574493b9e574e00664044b61901bb177a957874debee47406115"),
            ("host", "localhost:4566"));

        Verify(request);
    }

    [Fact]
    public void Verify_HostWithoutThePortItWasSignedWith_ThrowsInvalidSignature()
    {
        var signed = SigV4Signer.KmsRequest(ServerNow, host: "127.0.0.1:5000");
        var request = WithHeader(signed, "Host", "127.0.0.1");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(SigV4Verifier.SignatureMismatch, error.Message);
    }

    // ---- Clock skew: the .NET SDK parses these messages to correct its clock, so they must be exact.

    [Fact]
    public void Verify_RequestFifteenMinutesOld_ThrowsExpiredWithExactMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow.AddMinutes(-15));

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(
            "Signature expired: 20261129T010000Z is now earlier than 20261129T011000Z (20261129T011500Z - 5 min.)",
            error.Message);
    }

    [Fact]
    public void Verify_RequestFifteenMinutesAhead_ThrowsNotYetCurrentWithExactMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow.AddMinutes(15));

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(
            "Signature not yet current: 20261129T013000Z is still later than 20261129T012000Z (20261129T011500Z + 5 min.)",
            error.Message);
    }

    [Theory]
    [InlineData(-300)]
    [InlineData(300)]
    [InlineData(-299)]
    [InlineData(0)]
    public void Verify_RequestWithinFiveMinutes_Succeeds(int offsetSeconds)
    {
        Verify(SigV4Signer.KmsRequest(ServerNow.AddSeconds(offsetSeconds)));
    }

    [Theory]
    [InlineData(-301)]
    [InlineData(301)]
    public void Verify_RequestJustOverFiveMinutes_ThrowsInvalidSignature(int offsetSeconds)
    {
        Assert.Throws<InvalidSignatureException>(() => Verify(SigV4Signer.KmsRequest(ServerNow.AddSeconds(offsetSeconds))));
    }

    [Fact]
    public void Verify_ServerClockBetweenSeconds_ReportsWholeSeconds()
    {
        _clock.Now = ServerNow.AddMilliseconds(750);
        var request = SigV4Signer.KmsRequest(ServerNow.AddMinutes(-6));

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(
            "Signature expired: 20261129T010900Z is now earlier than 20261129T011000Z (20261129T011500Z - 5 min.)",
            error.Message);
    }

    [Fact]
    public void Verify_AfterClockAdvances_ExpiresTheSameRequest()
    {
        var request = SigV4Signer.KmsRequest(ServerNow);
        Verify(request);

        _clock.Now = ServerNow.AddMinutes(5).AddSeconds(1);

        Assert.Throws<InvalidSignatureException>(() => Verify(request));
    }

    // ---- Payload hash: x-amz-content-sha256 when sent (then it must match), else the body hash.

    [Fact]
    public void Verify_WithoutContentSha256_HashesTheBody()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, body: "{\"Limit\": 10}");

        Assert.Null(request.FirstHeader("x-amz-content-sha256"));
        Verify(request);
    }

    [Fact]
    public void Verify_WithMatchingContentSha256_Succeeds()
    {
        Verify(SigV4Signer.KmsRequest(ServerNow, body: "{\"Limit\":10}", sendContentSha256: true));
    }

    [Fact]
    public void Verify_WithUpperCaseContentSha256_Succeeds()
    {
        var hash = SigV4Signer.HexSha256(Encoding.UTF8.GetBytes("{}")).ToUpperInvariant();

        Verify(SigV4Signer.KmsRequest(ServerNow, declaredContentSha256: hash));
    }

    [Fact]
    public void Verify_ContentSha256NotMatchingBody_ThrowsContentMismatch()
    {
        // Correctly signed over the declared hash, but the body is something else.
        var declared = SigV4Signer.HexSha256(Encoding.UTF8.GetBytes("{\"KeyId\":\"other\"}"));
        var request = SigV4Signer.KmsRequest(ServerNow, body: "{}", declaredContentSha256: declared);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal("The provided 'x-amz-content-sha256' header does not match what was computed.", error.Message);
    }

    [Fact]
    public void Verify_UnsignedPayloadDeclared_ThrowsContentMismatch()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, declaredContentSha256: "UNSIGNED-PAYLOAD");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(SigV4Verifier.ContentSha256Mismatch, error.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Verify_BodyChangedAfterSigning_ThrowsInvalidSignature(bool sendContentSha256)
    {
        var signed = SigV4Signer.KmsRequest(ServerNow, body: "{\"NumberOfBytes\":32}", sendContentSha256: sendContentSha256);
        var request = new SigV4Request(signed.Method, signed.Path, signed.Query, signed.Headers, Encoding.UTF8.GetBytes("{\"NumberOfBytes\":33}"));

        Assert.Throws<InvalidSignatureException>(() => Verify(request));
    }

    // ---- Scope and signed headers.

    [Fact]
    public void Verify_ScopedToOtherService_ThrowsWithAwsMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, service: "dynamodb");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal("Credential should be scoped to correct service: 'kms'. ", error.Message);
    }

    [Fact]
    public void Verify_KmsRequestWhereCloudTrailExpected_ThrowsWithCloudTrailInMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow);

        var error = Assert.Throws<InvalidSignatureException>(() =>
            _verifier.Verify(request, SigV4Parser.Parse(request), Secret, "cloudtrail"));

        Assert.Equal("Credential should be scoped to correct service: 'cloudtrail'. ", error.Message);
    }

    [Fact]
    public void Verify_ScopeDateNotRequestDate_ThrowsWithAwsMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, scopeDate: "20261128");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20261128' != '20261129', from '20261129T011500Z'.",
            error.Message);
    }

    [Fact]
    public void Verify_EveryScopeElementWrong_ReportsThemAllAsAwsDoes()
    {
        var request = WithAuthorization(
            SigV4Signer.KmsRequest(ServerNow),
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/b/c/d/e, SignedHeaders=host;x-amz-date;x-amz-target, Signature=" + new string('0', 64));

        var error = Assert.Throws<InvalidSignatureException>(() =>
            _verifier.Verify(request, SigV4Parser.Parse(request), Secret, "kms", expectedRegion: "us-east-1"));

        Assert.Equal(
            "Credential should be scoped to a valid region, not 'c'. "
            + "Credential should be scoped to correct service: 'kms'. "
            + "Credential should be scoped with a valid terminator: 'aws4_request', not 'e'. "
            + "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: 'b' != '20261129', from '20261129T011500Z'.",
            error.Message);
    }

    // Regions of every partition (botocore data/partitions.json), and scope regions that are no region name.
    [Theory]
    [InlineData("eu-central-2")]
    [InlineData("cn-north-1")]
    [InlineData("us-gov-west-1")]
    [InlineData("us-iso-east-1")]
    [InlineData("us-isob-east-1")]
    [InlineData("eu-isoe-west-1")]
    [InlineData("us-isof-south-1")]
    [InlineData("eusc-de-east-1")]
    [InlineData("mx-central-1")]
    public void Verify_ScopedToRegionOfAnyPartition_Succeeds(string region)
    {
        Verify(SigV4Signer.KmsRequest(ServerNow, region: region));
    }

    [Theory]
    [InlineData("us-east-1:111122223333")]
    [InlineData("")]
    [InlineData("US-EAST-1")]
    [InlineData("us_east_1")]
    [InlineData("useast1")]
    [InlineData("local")]
    [InlineData("us-east-")]
    [InlineData("xx-east-1")]
    public void Verify_ScopeRegionNotARegionName_ThrowsWithAwsMessage(string region)
    {
        var request = SigV4Signer.KmsRequest(ServerNow, region: region);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal($"Credential should be scoped to a valid region, not '{region}'. ", error.Message);
    }

    [Theory]
    [InlineData("us-east-1:111122223333")]
    [InlineData("")]
    [InlineData("local")]
    public void CheckRegion_NotARegionName_ThrowsWithAwsMessage(string region)
    {
        var auth = SigV4Parser.Parse(SigV4Signer.KmsRequest(ServerNow, region: region));

        var error = Assert.Throws<InvalidSignatureException>(() => SigV4Verifier.CheckRegion(auth));

        Assert.Equal($"Credential should be scoped to a valid region, not '{region}'. ", error.Message);
    }

    [Fact]
    public void CheckRegion_RegionName_Returns()
    {
        SigV4Verifier.CheckRegion(SigV4Parser.Parse(SigV4Signer.KmsRequest(ServerNow, region: "us-gov-west-1")));
    }

    [Fact]
    public void Verify_ClientRegionWhenNoneConfigured_Succeeds()
    {
        Verify(SigV4Signer.KmsRequest(ServerNow, region: "ap-southeast-2"));
    }

    [Fact]
    public void Verify_RegionOtherThanConfigured_ThrowsInvalidSignature()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, region: "ap-southeast-2");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request, expectedRegion: "us-east-1"));

        Assert.Equal("Credential should be scoped to a valid region, not 'ap-southeast-2'. ", error.Message);
    }

    [Fact]
    public void Verify_HostNotSigned_ThrowsInvalidSignature()
    {
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "127.0.0.1:5000"),
            new("X-Amz-Date", "20261129T011500Z"),
        };
        var authorization = SigV4Signer.Authorization(
            "POST", "/", "", headers, [], SigV4Signer.AccessKeyId, Secret, "us-east-1", "kms", "20261129T011500Z", ["x-amz-date"]);
        headers.Add(new("Authorization", authorization));
        var request = new SigV4Request("POST", "/", "", headers, ReadOnlyMemory<byte>.Empty);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal("'Host' must be a 'SignedHeader' in the AWS Authorization.", error.Message);
    }

    // IAM User Guide, "Create a signed AWS API request": host and every x-amz-* header must be signed.
    [Theory]
    [InlineData("X-Amz-Target")]
    [InlineData("X-Amz-Date")]
    [InlineData("X-Amz-Security-Token")]
    [InlineData("x-amz-content-sha256")]
    [InlineData("x-amz-user-agent")]
    public void Verify_XAmzHeaderNotSigned_ThrowsNamingTheHeader(string header)
    {
        var request = SignedWithAmzHeaders(header);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal($"'{header}' must be a 'SignedHeader' in the AWS Authorization.", error.Message);
    }

    [Fact]
    public void Verify_EveryXAmzHeaderSigned_Succeeds()
    {
        Verify(SignedWithAmzHeaders(unsignedHeader: null));
    }

    [Fact]
    public void Verify_XAmznTraceIdNotSigned_Succeeds()
    {
        // botocore and the SDKs never sign X-Amzn-Trace-Id (Lambda and X-Ray add it in transit): it is not x-amz-*.
        var signed = SigV4Signer.KmsRequest(ServerNow);
        var request = new SigV4Request(signed.Method, signed.Path, signed.Query,
            [.. signed.Headers, new("X-Amzn-Trace-Id", "Root=1-5759e988-bd862e3fe1be46a994272793")], signed.Body);

        Verify(request);
    }

    [Fact]
    public void Verify_UnsignedTargetAddedToHostOnlySignature_ThrowsNamingTheTarget()
    {
        // The replay the rule stops: a request signed with SignedHeaders=host, sent with an X-Amz-Target of choice.
        var headers = new List<KeyValuePair<string, string>> { new("Host", "127.0.0.1:5000"), new("Date", "20261129T011500Z") };
        var authorization = SigV4Signer.Authorization(
            "POST", "/", "", headers, [], SigV4Signer.AccessKeyId, Secret, "us-east-1", "kms", "20261129T011500Z", ["host"]);
        headers.Add(new("Authorization", authorization));
        headers.Add(new("X-Amz-Target", "TrentService.DisableKey"));
        var request = new SigV4Request("POST", "/", "", headers, ReadOnlyMemory<byte>.Empty);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", error.Message);
    }

    [Fact]
    public void Verify_UnsignedXAmzHeaderAndExpired_ReportsTheClockFirst()
    {
        var request = SignedWithAmzHeaders("X-Amz-Target");
        _clock.Now = ServerNow.AddMinutes(15);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.StartsWith("Signature expired: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UnsignedXAmzHeaderAndWrongScope_ReportsTheHeaderBeforeTheScope()
    {
        var request = SignedWithAmzHeaders("X-Amz-Target", region: "local");

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal("'X-Amz-Target' must be a 'SignedHeader' in the AWS Authorization.", error.Message);
    }

    [Fact]
    public void Verify_SignedHeaderMissingFromRequest_ThrowsSignatureMismatch()
    {
        // Signed with an empty value, which canonicalizes as "my-header:" just as an absent header would.
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "127.0.0.1:5000"),
            new("My-Header", ""),
            new("X-Amz-Date", "20261129T011500Z"),
        };
        var authorization = SigV4Signer.Authorization(
            "POST", "/", "", headers, [], SigV4Signer.AccessKeyId, Secret, "us-east-1", "kms", "20261129T011500Z",
            ["host", "my-header", "x-amz-date"]);
        headers.Add(new("Authorization", authorization));
        Verify(new SigV4Request("POST", "/", "", headers, ReadOnlyMemory<byte>.Empty));

        headers.RemoveAll(h => h.Key == "My-Header");
        var request = new SigV4Request("POST", "/", "", headers, ReadOnlyMemory<byte>.Empty);

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(SigV4Verifier.SignatureMismatch, error.Message);
    }

    [Fact]
    public void Verify_SignedHeaderChangedAfterSigning_ThrowsInvalidSignature()
    {
        var request = WithHeader(SigV4Signer.KmsRequest(ServerNow), "X-Amz-Target", "TrentService.Decrypt");

        Assert.Throws<InvalidSignatureException>(() => Verify(request));
    }

    [Fact]
    public void Verify_UnsignedHeaderChangedAfterSigning_Succeeds()
    {
        Verify(WithHeader(SigV4Signer.KmsRequest(ServerNow), "User-Agent", "something else"));
    }

    // ---- Signature comparison.

    [Fact]
    public void Verify_WrongSecret_ThrowsWithoutSecretOrExpectedSignatureInMessage()
    {
        var request = SigV4Signer.KmsRequest(ServerNow, secret: "wrong-secret");
        var expected = SigV4Parser.Parse(SigV4Signer.KmsRequest(ServerNow)).Signature;

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key "
            + "and signing method. Consult the service documentation for details.",
            error.Message);
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("TrentService", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_UpperCaseSignatureHex_Succeeds()
    {
        var signed = SigV4Signer.KmsRequest(ServerNow);
        var auth = SigV4Parser.Parse(signed);
        var request = WithAuthorization(signed, signed.FirstHeader("Authorization")!.Replace(auth.Signature, auth.Signature.ToUpperInvariant(), StringComparison.Ordinal));

        Verify(request);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("zz")]
    public void Verify_SignatureNotSixtyFourHex_ThrowsSignatureMismatch(string suffix)
    {
        var signed = SigV4Signer.KmsRequest(ServerNow);
        var auth = SigV4Parser.Parse(signed);
        var bad = suffix.Length == 0 ? auth.Signature[..62] : auth.Signature[..62] + suffix;
        var request = WithAuthorization(signed, signed.FirstHeader("Authorization")!.Replace(auth.Signature, bad, StringComparison.Ordinal));

        var error = Assert.Throws<InvalidSignatureException>(() => Verify(request));

        Assert.Equal(SigV4Verifier.SignatureMismatch, error.Message);
    }

    // ---- Signing-key cache.

    [Fact]
    public void Verify_SameKeyIdWithChangedSecret_DoesNotReuseTheCachedKey()
    {
        Verify(SigV4Signer.KmsRequest(ServerNow));

        var rotated = SigV4Signer.KmsRequest(ServerNow, secret: "rotated-secret");

        Assert.Throws<InvalidSignatureException>(() => Verify(rotated));
        Verify(rotated, secret: "rotated-secret");
        Assert.Throws<InvalidSignatureException>(() => Verify(SigV4Signer.KmsRequest(ServerNow), secret: "rotated-secret"));
    }

    [Fact]
    public void Verify_RepeatedRequests_CacheOneSigningKey()
    {
        for (var i = 0; i < 10; i++)
        {
            Verify(SigV4Signer.KmsRequest(ServerNow.AddSeconds(i), body: $"{{\"n\":{i}}}"));
        }

        Assert.Equal(1, _verifier.CachedSigningKeyCount);
    }

    [Fact]
    public void Verify_SameSecretInAnotherStringInstance_ReusesTheCachedKey()
    {
        Verify(SigV4Signer.KmsRequest(ServerNow));

        Verify(SigV4Signer.KmsRequest(ServerNow.AddSeconds(1), body: "{}"), secret: new string(Secret.AsSpan()));

        Assert.Equal(1, _verifier.CachedSigningKeyCount);
    }

    [Fact]
    public void Verify_SecretChangedBackAndForth_NeverVerifiesWithTheOtherSecretsKey()
    {
        for (var i = 0; i < 4; i++)
        {
            var secret = i % 2 == 0 ? Secret : "other-secret";
            var wrong = i % 2 == 0 ? "other-secret" : Secret;
            var request = SigV4Signer.KmsRequest(ServerNow, secret: secret);

            Verify(request, secret: secret);
            Assert.Throws<InvalidSignatureException>(() => Verify(request, secret: wrong));
        }
    }

    [Fact]
    public void Verify_ManyDistinctScopes_KeepsTheCacheBounded()
    {
        for (var i = 0; i < SigV4Verifier.MaxCachedSigningKeys + 50; i++)
        {
            Verify(SigV4Signer.KmsRequest(ServerNow, region: "us-test-" + i));
        }

        Assert.InRange(_verifier.CachedSigningKeyCount, 1, SigV4Verifier.MaxCachedSigningKeys);
    }

    [Fact]
    public void Verify_ConcurrentRequestsWithSeveralKeys_AllVerify()
    {
        var requests = Enumerable.Range(0, 8)
            .Select(i => (Secret: "secret-" + i, Request: SigV4Signer.KmsRequest(ServerNow, secret: "secret-" + i, body: $"{{\"i\":{i}}}")))
            .ToArray();
        var failures = 0;

        Parallel.For(0, 2000, n =>
        {
            var (secret, request) = requests[n % requests.Length];
            var wrong = requests[(n + 1) % requests.Length].Secret;
            try
            {
                _verifier.Verify(request, SigV4Parser.Parse(request), secret, "kms");
            }
            catch (InvalidSignatureException)
            {
                Interlocked.Increment(ref failures);
            }

            try
            {
                _verifier.Verify(request, SigV4Parser.Parse(request), wrong, "kms");
                Interlocked.Increment(ref failures);
            }
            catch (InvalidSignatureException)
            {
                // Expected: another key's secret never verifies.
            }
        });

        Assert.Equal(0, failures);
    }

    private void Verify(SigV4Request request, string secret = Secret, string? expectedRegion = null) =>
        _verifier.Verify(request, SigV4Parser.Parse(request), secret, "kms", expectedRegion);

    /// <summary>A KMS request carrying the x-amz-* headers the SDKs send, all signed but <paramref name="unsignedHeader"/>.</summary>
    private static SigV4Request SignedWithAmzHeaders(string? unsignedHeader, string region = "us-east-1")
    {
        var body = Encoding.UTF8.GetBytes("{}");
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "127.0.0.1:5000"),
            new("Content-Type", "application/x-amz-json-1.1"),
            new("X-Amz-Target", "TrentService.DescribeKey"),
            new("X-Amz-Date", "20261129T011500Z"),
            new("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjEXAMPLETOKEN"),
            new("x-amz-content-sha256", SigV4Signer.HexSha256(body)),
            new("x-amz-user-agent", "aws-sdk-js/3.700.0"),
        };
        var signed = headers
            .Select(h => h.Key)
            .Where(name => name != unsignedHeader)
            .Select(name => name.ToLowerInvariant())
            .Order(StringComparer.Ordinal)
            .ToList();
        var authorization = SigV4Signer.Authorization(
            "POST", "/", "", headers, body, SigV4Signer.AccessKeyId, Secret, region, "kms", "20261129T011500Z", signed);
        headers.Add(new("Authorization", authorization));
        return new SigV4Request("POST", "/", "", headers, body);
    }

    private static SigV4Request Received(string path, string body, params (string Name, string Value)[] headers) =>
        new("POST", path, "", headers.Select(h => new KeyValuePair<string, string>(h.Name, h.Value)).ToList(), Encoding.UTF8.GetBytes(body));

    private static SigV4Request WithHeader(SigV4Request request, string name, string value) =>
        new(request.Method, request.Path, request.Query,
            request.Headers.Select(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase) ? new(h.Key, value) : h).ToList(),
            request.Body);

    private static SigV4Request WithAuthorization(SigV4Request request, string authorization) =>
        WithHeader(request, "Authorization", authorization);
}
