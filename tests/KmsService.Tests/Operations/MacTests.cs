using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>GenerateMac and VerifyMac through the AWS SDK: every HMAC spec, tampering, and the errors AWS answers
/// (AWS-ERRORS.md, "GenerateMac / VerifyMac").</summary>
public abstract class MacTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private static readonly byte[] Message = "webhook body: {\"order\": 42}"u8.ToArray();

    private AmazonKeyManagementServiceClient Carol => Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);

    private async Task<KeyMetadata> CreateHmacKeyAsync(string spec = "HMAC_256", AmazonKeyManagementServiceClient? client = null) =>
        (await (client ?? Kms).CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = KeyUsageType.GENERATE_VERIFY_MAC }, Ct)).KeyMetadata;

    private Task<GenerateMacResponse> GenerateAsync(string keyId, string algorithm = "HMAC_SHA_256", byte[]? message = null, AmazonKeyManagementServiceClient? client = null) =>
        (client ?? Kms).GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = keyId,
            MacAlgorithm = new MacAlgorithmSpec(algorithm),
            Message = new MemoryStream(message ?? Message),
        }, Ct);

    private Task<VerifyMacResponse> VerifyAsync(string keyId, byte[] mac, string algorithm = "HMAC_SHA_256", byte[]? message = null, AmazonKeyManagementServiceClient? client = null) =>
        (client ?? Kms).VerifyMacAsync(new VerifyMacRequest
        {
            KeyId = keyId,
            MacAlgorithm = new MacAlgorithmSpec(algorithm),
            Message = new MemoryStream(message ?? Message),
            Mac = new MemoryStream(mac),
        }, Ct);

    private static async Task AssertInvalidMacAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<KMSInvalidMacException>(call);
        Assert.Equal("KMSInvalidMacException", e.ErrorCode);
        // AWS sends no message: the body is the code alone (the SDK then words a message of its own that quotes it).
        Assert.Contains("""{"__type":"KMSInvalidMacException"}""", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("HMAC_224", "HMAC_SHA_224", 28)]
    [InlineData("HMAC_256", "HMAC_SHA_256", 32)]
    [InlineData("HMAC_384", "HMAC_SHA_384", 48)]
    [InlineData("HMAC_512", "HMAC_SHA_512", 64)]
    public async Task GenerateMac_EachSpec_VerifiesWithVerifyMac(string spec, string algorithm, int macLength)
    {
        var key = await CreateHmacKeyAsync(spec);

        var generated = await GenerateAsync(key.KeyId, algorithm);
        Assert.Equal(key.Arn, generated.KeyId);
        Assert.Equal(algorithm, generated.MacAlgorithm.Value);
        var mac = generated.Mac.ToArray();
        Assert.Equal(macLength, mac.Length);

        var verified = await VerifyAsync(key.KeyId, mac, algorithm);
        Assert.True(verified.MacValid);
        Assert.Equal(key.Arn, verified.KeyId);
        Assert.Equal(algorithm, verified.MacAlgorithm.Value);
    }

    [Fact]
    public async Task GenerateMac_SameMessageTwice_GivesTheSameMac()
    {
        var key = await CreateHmacKeyAsync();

        var first = (await GenerateAsync(key.KeyId)).Mac.ToArray();
        var second = (await GenerateAsync(key.Arn)).Mac.ToArray();

        Assert.Equal(first, second);
        Assert.NotEqual(first, (await GenerateAsync(key.KeyId, message: [.. Message, 0])).Mac.ToArray());
    }

    [Fact]
    public async Task GenerateMac_ByAlias_UsesTheAliasedKey()
    {
        var key = await CreateHmacKeyAsync();
        var alias = $"alias/mac-{Guid.NewGuid():N}";
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct);

        var generated = await GenerateAsync(alias);

        Assert.Equal(key.Arn, generated.KeyId);
        Assert.True((await VerifyAsync(alias, generated.Mac.ToArray())).MacValid);
    }

    [Fact]
    public async Task GenerateMac_Message4096Bytes_Succeeds_4097Bytes_ThrowsValidation()
    {
        var key = await CreateHmacKeyAsync();
        await GenerateAsync(key.KeyId, message: new byte[4096]);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => GenerateAsync(key.KeyId, message: new byte[4097]));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096", e.Message);
    }

    [Fact]
    public async Task VerifyMac_OverAnotherMessage_ThrowsInvalidMac()
    {
        var key = await CreateHmacKeyAsync();
        var mac = (await GenerateAsync(key.KeyId)).Mac.ToArray();

        await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, mac, message: "webhook body: {\"order\": 43}"u8.ToArray()));
    }

    [Fact]
    public async Task VerifyMac_WithAnyMacByteFlipped_ThrowsInvalidMac()
    {
        var key = await CreateHmacKeyAsync("HMAC_224", null);
        var mac = (await GenerateAsync(key.KeyId, "HMAC_SHA_224")).Mac.ToArray();

        foreach (var i in new[] { 0, mac.Length / 2, mac.Length - 1 })
        {
            var tampered = mac.ToArray();
            tampered[i] ^= 0x01;
            await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, tampered, "HMAC_SHA_224"));
        }
    }

    [Fact]
    public async Task VerifyMac_WithTruncatedOrExtendedMac_ThrowsInvalidMac()
    {
        var key = await CreateHmacKeyAsync("HMAC_512");
        var mac = (await GenerateAsync(key.KeyId, "HMAC_SHA_512")).Mac.ToArray();

        await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, mac[..32], "HMAC_SHA_512"));
        await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, mac[..^1], "HMAC_SHA_512"));
        await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, [.. mac, 0], "HMAC_SHA_512"));
    }

    [Fact]
    public async Task VerifyMac_WithAnotherKeysMac_ThrowsInvalidMac()
    {
        var key = await CreateHmacKeyAsync();
        var other = await CreateHmacKeyAsync();
        var mac = (await GenerateAsync(other.KeyId)).Mac.ToArray();

        await AssertInvalidMacAsync(() => VerifyAsync(key.KeyId, mac));
    }

    [Fact]
    public async Task GenerateMac_AlgorithmOfAnotherSpec_ThrowsInvalidKeyUsageInAwsWording()
    {
        var key = await CreateHmacKeyAsync("HMAC_224");

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => GenerateAsync(key.KeyId, "HMAC_SHA_256"));
        Assert.Equal("Algorithm HMAC_SHA_256 is incompatible with key spec HMAC_224.", e.Message);
    }

    [Fact]
    public async Task VerifyMac_AlgorithmOfAnotherSpec_ThrowsInvalidKeyUsageInAwsWording()
    {
        var key = await CreateHmacKeyAsync("HMAC_256");
        var mac = (await GenerateAsync(key.KeyId)).Mac.ToArray();

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => VerifyAsync(key.KeyId, mac, "HMAC_SHA_512"));
        Assert.Equal("Algorithm HMAC_SHA_512 is incompatible with key spec HMAC_256.", e.Message);
    }

    [Fact]
    public async Task GenerateMac_WithSymmetricEncryptionKey_ThrowsInvalidKeyUsageInAwsWording()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => GenerateAsync(key.KeyId));
        Assert.Equal($"{key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for GenerateMac.", e.Message);
    }

    [Fact]
    public async Task VerifyMac_WithSigningKey_ThrowsInvalidKeyUsageBeforeAlgorithmFit()
    {
        var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => VerifyAsync(key.KeyId, new byte[32]));
        Assert.Equal($"{key.Arn} key usage is SIGN_VERIFY which is not valid for VerifyMac.", e.Message);
    }

    [Fact]
    public async Task GenerateMac_UnknownAlgorithm_ThrowsValidationInAwsWording()
    {
        var key = await CreateHmacKeyAsync();

        foreach (var call in new Func<Task>[] { () => GenerateAsync(key.KeyId, "INVALID"), () => VerifyAsync(key.KeyId, new byte[32], "INVALID") })
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(call);
            Assert.Equal("ValidationException", e.ErrorCode);
            Assert.Equal(
                "1 validation error detected: Value 'INVALID' at 'macAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [HMAC_SHA_384, HMAC_SHA_256, HMAC_SHA_224, HMAC_SHA_512]",
                e.Message);
        }
    }

    [Fact]
    public async Task GenerateMac_OnDisabledKey_ThrowsDisabled_AndOnKeyPendingDeletion_ThrowsInvalidState()
    {
        var key = await CreateHmacKeyAsync();
        var mac = (await GenerateAsync(key.KeyId)).Mac.ToArray();

        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var disabled = await Assert.ThrowsAsync<DisabledException>(() => GenerateAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is disabled.", disabled.Message);
        await Assert.ThrowsAsync<DisabledException>(() => VerifyAsync(key.KeyId, mac));

        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        var pending = await Assert.ThrowsAsync<KMSInvalidStateException>(() => GenerateAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is pending deletion.", pending.Message);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => VerifyAsync(key.KeyId, mac));
    }

    [Fact]
    public async Task GenerateMacAndVerifyMac_DryRun_ThrowDryRunOperation()
    {
        var key = await CreateHmacKeyAsync();
        var mac = (await GenerateAsync(key.KeyId)).Mac.ToArray();

        var e = await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = key.KeyId,
            MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256,
            Message = new MemoryStream(Message),
            DryRun = true,
        }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
        await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.VerifyMacAsync(new VerifyMacRequest
        {
            KeyId = key.KeyId,
            MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256,
            Message = new MemoryStream(Message),
            Mac = new MemoryStream(mac),
            DryRun = true,
        }, Ct));

        // DryRun still checks usage and algorithm first.
        await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = key.KeyId,
            MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_384,
            Message = new MemoryStream(Message),
            DryRun = true,
        }, Ct));
    }

    [Fact]
    public async Task GenerateMac_ThroughAGrant_WorksForTheGrantee_AndMalformedTokensAreRefused()
    {
        var key = await CreateHmacKeyAsync(client: Alice);
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => GenerateAsync(key.KeyId, client: Carol));

        var grant = await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["GenerateMac", "VerifyMac"],
        }, Ct);
        var generated = await Carol.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = key.Arn,
            MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256,
            Message = new MemoryStream(Message),
            GrantTokens = [grant.GrantToken],
        }, Ct);
        Assert.True((await VerifyAsync(key.Arn, generated.Mac.ToArray(), client: Carol)).MacValid);

        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Alice.GenerateMacAsync(new GenerateMacRequest
        {
            KeyId = key.KeyId,
            MacAlgorithm = MacAlgorithmSpec.HMAC_SHA_256,
            Message = new MemoryStream(Message),
            GrantTokens = ["not a grant token"],
        }, Ct));
    }

    [Fact]
    public async Task KeyPolicy_MacAlgorithmCondition_IsTheRequestsAlgorithm()
    {
        var key = await CreateHmacKeyAsync(client: Alice);
        const string policy = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NoVerifyWithSha256", "Effect": "Deny", "Principal": "*", "Action": "kms:VerifyMac", "Resource": "*",
               "Condition": {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_256"}}},
              {"Sid": "NoGenerateWithSha512", "Effect": "Deny", "Principal": "*", "Action": "kms:GenerateMac", "Resource": "*",
               "Condition": {"StringEquals": {"kms:MacAlgorithm": "HMAC_SHA_512"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        var mac = (await GenerateAsync(key.KeyId, client: Alice)).Mac.ToArray();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => VerifyAsync(key.KeyId, mac, client: Alice));
        Assert.Equal("AccessDeniedException", e.ErrorCode);

        // Authorization comes before the algorithm fit: the denied algorithm is refused as such.
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => GenerateAsync(key.KeyId, "HMAC_SHA_512", client: Alice));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);
    }

    [Fact]
    public async Task GenerateMac_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<NotFoundException>(() => GenerateAsync(id));
        Assert.Equal($"Key 'arn:aws:kms:us-east-1:000000000000:key/{id}' does not exist", e.Message);
    }
}

[Collection("sqlite")]
public sealed class MacTests_Sqlite(SqliteFixture f) : MacTests(f);

[Collection("postgres")]
public sealed class MacTests_Postgres(PostgresFixture f) : MacTests(f);
