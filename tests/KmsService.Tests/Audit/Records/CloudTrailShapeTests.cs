using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Audit.Records;
using KmsService.Identity;
using KmsService.Protocol;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Audit.Records;

/// <summary>
/// Golden-record tests: every implemented operation, called through the official SDK, is recorded with the members
/// CloudTrail logs for it, by name, value kind and which are kept or dropped, as the KMS Developer Guide's example
/// for the operation shows ("ct-encrypt", "ct-createkey", …; STATUS.md lists the page of each). Ids, times and
/// example values differ and are not compared.
/// </summary>
/// <remarks>Shape notation, one token a member: <c>name</c> string, <c>name#</c> number, <c>name?</c> boolean,
/// <c>name{}</c> string map (encryption contexts), <c>name[]</c> string list, <c>a.b</c> nested, <c>a[].b</c> members of
/// a list of objects; a section CloudTrail logs as null is <c>null</c>, an absent section <c>-</c>.</remarks>
public sealed class CloudTrailShapeTests : IAsyncLifetime
{
    // The top-level members of a CloudTrail KMS record over HTTP, in CloudTrail's order (ct-encrypt; tlsDetails only over
    // HTTPS, additionalEventData only where the operation has one).
    private static readonly string[] TopLevel =
    [
        "eventVersion", "userIdentity", "eventTime", "eventSource", "eventName", "awsRegion", "sourceIPAddress", "userAgent",
        "requestParameters", "responseElements", "additionalEventData", "requestID", "eventID", "readOnly", "resources",
        "eventType", "managementEvent", "recipientAccountId", "eventCategory",
    ];

    private static readonly HashSet<string> Maps =
        ["encryptionContext", "sourceEncryptionContext", "destinationEncryptionContext", "encryptionContextSubset", "encryptionContextEquals"];

    private readonly CapturingAuditSink _sink = new();
    private KmsServer _server = null!;
    private AmazonKeyManagementServiceClient _alice = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _server = await KmsServer.StartAsync(seedFile: TestSeed.Write(), configure: s => s.AddSingleton<IAuditSink>(_sink));
        _alice = _server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
    }

    public async ValueTask DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task CryptographicOperations_RecordCloudTrailsShape()
    {
        var context = new Dictionary<string, string> { ["Department"] = "Engineering" };
        var other = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        _sink.Records.Clear();

        var encrypted = await _alice.EncryptAsync(new EncryptRequest { KeyId = TestSeed.SharedKeyArn, Plaintext = new MemoryStream([1, 2, 3]), EncryptionContext = context }, Ct);
        await _alice.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob, EncryptionContext = context }, Ct);
        await _alice.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = encrypted.CiphertextBlob,
            SourceEncryptionContext = context,
            DestinationKeyId = other.KeyId,
            DestinationEncryptionContext = new() { ["Level"] = "3A" },
        }, Ct);
        await _alice.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = TestSeed.SharedKeyArn, KeySpec = DataKeySpec.AES_256, EncryptionContext = context }, Ct);
        await _alice.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = TestSeed.SharedKeyArn, NumberOfBytes = 32 }, Ct);
        await _alice.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 16 }, Ct);

        AssertShapes(
            ("Encrypt", "encryptionAlgorithm encryptionContext{} keyId", "null", "keyMaterialId"),
            // No encryptionAlgorithm in the request, but CloudTrail records it (ct-decrypt).
            ("Decrypt", "encryptionAlgorithm encryptionContext{}", "null", "keyMaterialId"),
            ("ReEncrypt", "destinationEncryptionAlgorithm destinationEncryptionContext{} destinationKeyId sourceEncryptionAlgorithm sourceEncryptionContext{}", "null", "destinationKeyMaterialId sourceKeyMaterialId"),
            ("GenerateDataKey", "encryptionContext{} keyId keySpec", "null", "keyMaterialId"),
            ("GenerateDataKeyWithoutPlaintext", "keyId numberOfBytes#", "null", "keyMaterialId"),
            ("GenerateRandom", "null", "null", "-"));
        var reEncrypt = Record("ReEncrypt");
        Assert.Equal([TestSeed.SharedKeyArn, other.Arn], reEncrypt.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("ARN").GetString()));
        Assert.False(Record("GenerateRandom").TryGetProperty("resources", out _));
    }

    [Fact]
    public async Task KeyLifecycleOperations_RecordCloudTrailsShape()
    {
        var key = (await _alice.CreateKeyAsync(new CreateKeyRequest { Description = "audit", KeyUsage = KeyUsageType.ENCRYPT_DECRYPT, KeySpec = KeySpec.SYMMETRIC_DEFAULT }, Ct)).KeyMetadata;
        await _alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
        await _alice.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        await _alice.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct);
        await _alice.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "audit 2" }, Ct);
        await _alice.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        await _alice.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);

        AssertShapes(
            ("CreateKey", "description keySpec keyUsage",
                "keyMetadata.AWSAccountId keyMetadata.arn keyMetadata.creationDate keyMetadata.customerMasterKeySpec keyMetadata.description "
                + "keyMetadata.enabled? keyMetadata.encryptionAlgorithms[] keyMetadata.keyId keyMetadata.keyManager keyMetadata.keySpec "
                + "keyMetadata.keyState keyMetadata.keyUsage keyMetadata.multiRegion? keyMetadata.origin", "-"),
            ("DescribeKey", "keyId", "null", "-"),
            ("DisableKey", "keyId", "keyId", "-"),
            ("EnableKey", "keyId", "keyId", "-"),
            ("UpdateKeyDescription", "description keyId", "null", "-"),
            ("ScheduleKeyDeletion", "keyId pendingWindowInDays#", "deletionDate keyId keyState", "-"),
            ("CancelKeyDeletion", "keyId", "keyId", "-"));

        var createKey = Record("CreateKey");
        Assert.Equal(key.Arn, Assert.Single(createKey.GetProperty("resources").EnumerateArray()).GetProperty("ARN").GetString());
        var metadata = createKey.GetProperty("responseElements").GetProperty("keyMetadata");
        Assert.Equal(key.Arn, metadata.GetProperty("arn").GetString());
        Assert.Equal("SYMMETRIC_DEFAULT", metadata.GetProperty("keySpec").GetString());
        Assert.Equal("ENCRYPT_DECRYPT", metadata.GetProperty("keyUsage").GetString());
        Assert.Equal("Enabled", metadata.GetProperty("keyState").GetString());
        Assert.Equal("CUSTOMER", metadata.GetProperty("keyManager").GetString());
        Assert.Equal(["SYMMETRIC_DEFAULT"], metadata.GetProperty("encryptionAlgorithms").EnumerateArray().Select(a => a.GetString()));
        // "Aug 10, 2022, 10:38:27 PM" (ct-createkey).
        Assert.Matches(@"^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M$", metadata.GetProperty("creationDate").GetString());
        Assert.Equal(key.Arn, Record("EnableKey").GetProperty("responseElements").GetProperty("keyId").GetString());
        Assert.Equal("PendingDeletion", Record("ScheduleKeyDeletion").GetProperty("responseElements").GetProperty("keyState").GetString());
    }

    [Fact]
    public async Task RotationOperations_RecordCloudTrailsShape()
    {
        var key = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await _alice.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 180 }, Ct);
        await _alice.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct);
        await _alice.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);
        await _alice.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, Limit = 10 }, Ct);
        await _alice.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.KeyId }, Ct);

        AssertShapes(
            ("EnableKeyRotation", "keyId rotationPeriodInDays#", "keyId", "-"),
            ("GetKeyRotationStatus", "keyId", "null", "-"),
            ("RotateKeyOnDemand", "keyId", "keyId", "-"),
            ("ListKeyRotations", "keyId limit#", "null", "-"),
            ("DisableKeyRotation", "keyId", "null", "-"));
    }

    [Fact]
    public async Task AliasOperations_RecordCloudTrailsShape()
    {
        var first = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var second = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await _alice.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/audit", TargetKeyId = first.KeyId }, Ct);
        await _alice.UpdateAliasAsync(new UpdateAliasRequest { AliasName = "alias/audit", TargetKeyId = second.KeyId }, Ct);
        await _alice.ListAliasesAsync(new ListAliasesRequest { Limit = 5 }, Ct);
        await _alice.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/audit" }, Ct);

        AssertShapes(
            ("CreateAlias", "aliasName targetKeyId", "keyId", "-"),
            ("UpdateAlias", "aliasName targetKeyId", "keyId", "-"),
            ("ListAliases", "limit#", "null", "-"),
            ("DeleteAlias", "aliasName", "keyId", "-"));
        Assert.Equal(first.Arn, Record("CreateAlias").GetProperty("responseElements").GetProperty("keyId").GetString());
        Assert.Equal(second.Arn, Record("UpdateAlias").GetProperty("responseElements").GetProperty("keyId").GetString());
        Assert.Equal(second.Arn, Record("DeleteAlias").GetProperty("responseElements").GetProperty("keyId").GetString());
    }

    [Fact]
    public async Task GrantOperations_RecordCloudTrailsShapeAndNeverTheToken()
    {
        var key = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var retired = await _alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.BobArn,
            RetiringPrincipal = TestSeed.AliceArn,
            Operations = [GrantOperation.Encrypt, GrantOperation.RetireGrant],
            Constraints = new GrantConstraints { EncryptionContextSubset = new() { ["ContextKey1"] = "Value1" } },
        }, Ct);
        await _alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct);
        await _alice.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = TestSeed.AliceArn }, Ct);
        await _alice.RetireGrantAsync(new RetireGrantRequest { GrantToken = retired.GrantToken }, Ct);
        var revoked = await _alice.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.BobArn, Operations = [GrantOperation.Decrypt] }, Ct);
        await _alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = revoked.GrantId }, Ct);

        AssertShapes(
            ("CreateGrant", "constraints.encryptionContextSubset{} granteePrincipal keyId operations[] retiringPrincipal", "grantId keyId", "-"),
            ("ListGrants", "keyId", "null", "-"),
            ("ListRetirableGrants", "retiringPrincipal", "null", "-"),
            // requestParameters null, the grant's id in additionalEventData (ct-retire-grant).
            ("RetireGrant", "null", "null", "grantId"),
            ("RevokeGrant", "grantId keyId", "null", "-"));
        Assert.Equal(retired.GrantId, Record("RetireGrant").GetProperty("additionalEventData").GetProperty("grantId").GetString());
        Assert.Equal(key.Arn, Record("CreateGrant").GetProperty("responseElements").GetProperty("keyId").GetString());
        Assert.All(_sink.Records, r => Assert.DoesNotContain(retired.GrantToken, r.Json, StringComparison.Ordinal));
    }

    [Fact]
    public async Task PolicyTagAndListOperations_RecordCloudTrailsShape()
    {
        var key = (await _alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var policy = (await _alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default" }, Ct)).Policy;
        await _alice.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.KeyId }, Ct);
        await _alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "default", Policy = policy, BypassPolicyLockoutSafetyCheck = false }, Ct);
        await _alice.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "team", TagValue = "audit" }] }, Ct);
        await _alice.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct);
        await _alice.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["team"] }, Ct);
        await _alice.ListKeysAsync(new ListKeysRequest { Limit = 10 }, Ct);

        AssertShapes(
            ("GetKeyPolicy", "keyId policyName", "null", "-"),
            ("ListKeyPolicies", "keyId", "null", "-"),
            ("PutKeyPolicy", "bypassPolicyLockoutSafetyCheck? keyId policy policyName", "null", "-"),
            ("TagResource", "keyId tags[].tagKey tags[].tagValue", "null", "-"),
            ("ListResourceTags", "keyId", "null", "-"),
            ("UntagResource", "keyId tagKeys[]", "null", "-"),
            ("ListKeys", "limit#", "null", "-"));
    }

    [Fact]
    public async Task UserIdentity_OfAnIamUserRootAndRole_FollowsCloudTrail()
    {
        await _alice.ListKeysAsync(new ListKeysRequest(), Ct);
        await _server.Client().ListKeysAsync(new ListKeysRequest(), Ct);
        await _server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret).ListKeysAsync(new ListKeysRequest(), Ct);

        var identities = _sink.Records.Select(r => JsonDocument.Parse(r.Json).RootElement.GetProperty("userIdentity")).ToArray();
        Assert.Equal(["IAMUser", "Root", "AssumedRole"], identities.Select(i => i.GetProperty("type").GetString()));
        Assert.Equal("type principalId arn accountId accessKeyId userName", Names(identities[0]));
        Assert.Equal("alice", identities[0].GetProperty("userName").GetString());
        // A long-term key of the root: no userName, no sessionContext.
        Assert.Equal("type principalId arn accountId accessKeyId", Names(identities[1]));
        Assert.Equal(identities[1].GetProperty("accountId").GetString(), identities[1].GetProperty("principalId").GetString());
        Assert.Equal("type principalId arn accountId accessKeyId sessionContext", Names(identities[2]));
        var session = identities[2].GetProperty("sessionContext");
        var issuer = session.GetProperty("sessionIssuer");
        Assert.Equal("type principalId arn accountId userName", Names(issuer));
        Assert.Equal("Role", issuer.GetProperty("type").GetString());
        Assert.Equal(TestSeed.OtherAccountArn, issuer.GetProperty("arn").GetString());
        Assert.Equal("other", issuer.GetProperty("userName").GetString());
        Assert.Equal("false", session.GetProperty("attributes").GetProperty("mfaAuthenticated").GetString());
    }

    [Fact]
    public void Writer_OverHttps_RecordsTlsDetailsLast()
    {
        var call = new CallContext(
            "111122223333", TestSeed.AliceArn, TestSeed.AliceAccessKey, "us-east-1", "aws", "192.0.2.0", "r", "test",
            new Principal(TestSeed.AliceArn, "111122223333", []), SecureTransport: true)
        {
            Tls = new CallTls("TLSv1.3", "TLS_AES_256_GCM_SHA384", "kms.example.internal"),
        };
        var e = new AuditEvent(
            Guid.NewGuid(), DateTimeOffset.UnixEpoch, "ListKeys", AuditEventType.ApiCall, "r", "us-east-1", call, "192.0.2.0", "test",
            new AuditParameters(), null, null, null, null, null, ReadOnly: true);

        var record = JsonDocument.Parse(CloudTrailRecordWriter.ToJson(e)).RootElement;

        Assert.Equal("tlsDetails", record.EnumerateObject().Last().Name);
        Assert.Equal("tlsVersion cipherSuite clientProvidedHostHeader", Names(record.GetProperty("tlsDetails")));
        Assert.Equal("TLSv1.3", record.GetProperty("tlsDetails").GetProperty("tlsVersion").GetString());
    }

    private void AssertShapes(params (string Operation, string Request, string Response, string Additional)[] expected)
    {
        foreach (var (operation, request, response, additional) in expected)
        {
            var record = Record(operation);
            Assert.False(record.TryGetProperty("errorCode", out _), operation);
            var members = record.EnumerateObject().Select(m => m.Name).ToArray();
            Assert.Equal(TopLevel.Where(members.Contains), members);
            Assert.Equal((operation, request), (operation, Shape(record, "requestParameters")));
            Assert.Equal((operation, response), (operation, Shape(record, "responseElements")));
            Assert.Equal((operation, additional), (operation, Shape(record, "additionalEventData")));
        }
    }

    // The first record of the operation.
    private JsonElement Record(string operation) =>
        JsonDocument.Parse(_sink.Records.First(r => r.Event.EventName == operation).Json).RootElement;

    private static string Names(JsonElement o) => string.Join(' ', o.EnumerateObject().Select(m => m.Name));

    private static string Shape(JsonElement record, string section)
    {
        if (!record.TryGetProperty(section, out var value))
        {
            return "-";
        }

        if (value.ValueKind == JsonValueKind.Null)
        {
            return "null";
        }

        var tokens = new List<string>();
        Collect(value, string.Empty, tokens);
        return string.Join(' ', tokens.Order(StringComparer.Ordinal));
    }

    private static void Collect(JsonElement o, string prefix, List<string> tokens)
    {
        foreach (var member in o.EnumerateObject())
        {
            var name = prefix + member.Name;
            switch (member.Value.ValueKind)
            {
                case JsonValueKind.Object when Maps.Contains(member.Name):
                    tokens.Add(name + "{}");
                    break;
                case JsonValueKind.Object:
                    Collect(member.Value, name + ".", tokens);
                    break;
                case JsonValueKind.Array when member.Value.EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first:
                    Collect(first, name + "[].", tokens);
                    break;
                case JsonValueKind.Array:
                    tokens.Add(name + "[]");
                    break;
                case JsonValueKind.Number:
                    tokens.Add(name + "#");
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    tokens.Add(name + "?");
                    break;
                default:
                    tokens.Add(name);
                    break;
            }
        }
    }
}
