using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>Key policies and identity policies enforced on real requests, with principals from the seed file:
/// alice (kms:*), bob (Encrypt/DescribeKey/GenerateDataKey*, explicit Deny on Decrypt), the account root, and a role of
/// another account that the shared key's policy lets use it with tenant=acme only.</summary>
public abstract class KeyPolicyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private AmazonKeyManagementServiceClient Bob => Server.Client(TestSeed.BobAccessKey, TestSeed.BobSecret);

    private AmazonKeyManagementServiceClient Other => Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

    private static Dictionary<string, string> Acme => new() { ["tenant"] = "acme" };

    private static async Task<AmazonKeyManagementServiceException> DeniedAsync(Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(call);
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        return e;
    }

    [Fact]
    public async Task DefaultPolicy_DelegatesToIdentityPolicies()
    {
        var key = await CreateKeyAsync(Alice);
        var blob = (await Bob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;

        var e = await DeniedAsync(() => Bob.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct));
        Assert.Equal($"User: {TestSeed.BobArn} is not authorized to perform: kms:Decrypt on resource: {key.Arn} with an explicit deny in an identity-based policy", e.Message);

        var e2 = await DeniedAsync(() => Bob.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.EndsWith("because no identity-based policy allows the kms:DisableKey action", e2.Message, StringComparison.Ordinal);

        await Alice.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
    }

    [Fact]
    public async Task OperationsWithoutKey_AreDecidedByIdentityPolicies()
    {
        var e = await DeniedAsync(() => Bob.CreateKeyAsync(new CreateKeyRequest(), Ct));
        Assert.Equal($"User: {TestSeed.BobArn} is not authorized to perform: kms:CreateKey on resource: * because no identity-based policy allows the kms:CreateKey action", e.Message);
        await DeniedAsync(() => Bob.ListKeysAsync(new ListKeysRequest(), Ct));
        await DeniedAsync(() => Bob.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 8 }, Ct));
        await Alice.ListKeysAsync(new ListKeysRequest(), Ct);
    }

    [Fact]
    public async Task CrossAccount_WithMatchingEncryptionContext_IsAllowed()
    {
        var blob = (await Other.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream([4, 2]),
            EncryptionContext = Acme,
        }, Ct)).CiphertextBlob;
        var plain = await Other.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = Acme }, Ct);
        Assert.Equal([4, 2], plain.Plaintext.ToArray());
        await Other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = TestSeed.SharedKeyArn }, Ct);
    }

    [Fact]
    public async Task CrossAccount_WithOtherEncryptionContext_IsDenied()
    {
        var e = await DeniedAsync(() => Other.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream([1]),
            EncryptionContext = new() { ["tenant"] = "globex" },
        }, Ct));
        Assert.Equal($"User: {TestSeed.OtherAccountArn} is not authorized to perform: kms:Encrypt on resource: {TestSeed.SharedKeyArn} because no resource-based policy allows the kms:Encrypt action", e.Message);
        await DeniedAsync(() => Other.EncryptAsync(new EncryptRequest { KeyId = TestSeed.SharedKeyArn, Plaintext = new MemoryStream([1]) }, Ct));
    }

    [Fact]
    public async Task CrossAccount_ActionTheKeyPolicyDoesNotGrant_IsDenied()
    {
        await DeniedAsync(() => Other.DisableKeyAsync(new DisableKeyRequest { KeyId = TestSeed.SharedKeyArn }, Ct));
        await DeniedAsync(() => Other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = TestSeed.PinnedKeyArn }, Ct));
    }

    [Fact]
    public async Task GetKeyPolicy_OfNewKey_IsAwsDefaultPolicy()
    {
        var key = await CreateKeyAsync(Alice);
        var response = await Alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, Ct);
        using var doc = JsonDocument.Parse(response.Policy);
        Assert.Equal("key-default-1", doc.RootElement.GetProperty("Id").GetString());
        var statement = doc.RootElement.GetProperty("Statement")[0];
        Assert.Equal("Enable IAM User Permissions", statement.GetProperty("Sid").GetString());
        Assert.Equal("arn:aws:iam::111122223333:root", statement.GetProperty("Principal").GetProperty("AWS").GetString());
        Assert.Equal("kms:*", statement.GetProperty("Action").GetString());
        Assert.Equal("default", response.PolicyName);

        var names = await Alice.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(["default"], names.PolicyNames);
        Assert.False(names.Truncated);
    }

    [Fact]
    public async Task PutKeyPolicy_ChangesWhoMayUseTheKey()
    {
        var key = await CreateKeyAsync(Alice);
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NoBob", "Effect": "Deny", "Principal": {"AWS": "{{TestSeed.BobArn}}"}, "Action": "kms:Encrypt", "Resource": "*"}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        var e = await DeniedAsync(() => Bob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
        Assert.EndsWith("with an explicit deny in a resource-based policy", e.Message, StringComparison.Ordinal);

        // The account root is governed by the key policy like everyone else: no statement names it now.
        await DeniedAsync(() => Server.Client().DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, Ct));
        var stored = await Alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(policy, stored.Policy);
    }

    [Fact]
    public async Task PutKeyPolicy_ThatLocksTheCallerOut_IsRefusedUnlessBypassed()
    {
        var key = await CreateKeyAsync(Alice);
        const string lockout = """
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "kms:Encrypt", "Resource": "*"}]}
            """;
        var e = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout }, Ct));
        Assert.Equal("The new key policy will not allow you to update the key policy in the future.", e.Message);

        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout, BypassPolicyLockoutSafetyCheck = true }, Ct);
        await DeniedAsync(() => Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = lockout }, Ct));
    }

    [Fact]
    public async Task CreateKey_WithLockoutPolicy_IsRefused()
    {
        const string lockout = """
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "kms:*", "Resource": "*"}]}
            """;
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Alice.CreateKeyAsync(new CreateKeyRequest { Policy = lockout }, Ct));
    }

    [Theory]
    [InlineData("""{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Action": "kms:*", "Resource": "*", "Principal": "*"}]}""")]
    [InlineData("""{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Resource": "*", "Principal": "*"}]}""")]
    [InlineData("""{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Principal": "*", "Condition": {"StringSorta": {"a": "b"}}}]}""")]
    [InlineData("not json")]
    public async Task PutKeyPolicy_Malformed_ThrowsMalformedPolicyDocument(string policy)
    {
        var key = await CreateKeyAsync(Alice);
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct));
    }

    [Fact]
    public async Task Conditions_OnRequestAliasWindowAndPeriod_AreEnforced()
    {
        var key = await CreateKeyAsync(Alice);
        var alias = $"alias/blocked-{Guid.NewGuid():N}";
        await Alice.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct);
        var policy = $$$$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NotByThatAlias", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
               "Condition": {"StringEquals": {"kms:RequestAlias": "{{{{alias}}}}"}}},
              {"Sid": "LongWindowsOnly", "Effect": "Deny", "Principal": "*", "Action": "kms:ScheduleKeyDeletion", "Resource": "*",
               "Condition": {"NumericLessThan": {"kms:ScheduleKeyDeletionPendingWindowInDays": "30"}}},
              {"Sid": "YearlyRotationOnly", "Effect": "Deny", "Principal": "*", "Action": "kms:EnableKeyRotation", "Resource": "*",
               "Condition": {"NumericNotEquals": {"kms:RotationPeriodInDays": "365"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        await DeniedAsync(() => Alice.EncryptAsync(new EncryptRequest { KeyId = alias, Plaintext = new MemoryStream([1]) }, Ct));
        await Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);

        await DeniedAsync(() => Alice.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId, RotationPeriodInDays = 90 }, Ct));
        await Alice.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, Ct);

        await DeniedAsync(() => Alice.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct));
        await Alice.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task Conditions_OnResourceAndPrincipalTags_AreEnforced()
    {
        var key = await CreateKeyAsync(Alice);
        const string policy = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "PaymentsTeam", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/bob"}, "Action": "kms:Encrypt", "Resource": "*",
               "Condition": {"StringEquals": {"aws:PrincipalTag/team": "payments"}}},
              {"Sid": "NotWhileSecret", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
               "Condition": {"StringEquals": {"aws:ResourceTag/classification": "secret"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        // Bob is tagged team=payments in the seed file.
        await Bob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);

        await Alice.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [new Tag { TagKey = "classification", TagValue = "secret" }] }, Ct);
        await DeniedAsync(() => Bob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
        await Alice.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["classification"] }, Ct);
        await Bob.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
    }

    [Theory]
    [InlineData("arn:aws:iam::111122223333:user/nobody")]
    [InlineData("arn:aws:iam::111122223333:role/missing")]
    [InlineData("arn:aws:sts::111122223333:assumed-role/missing/session")]
    public async Task PutKeyPolicy_NamingUndeclaredPrincipalOfKnownAccount_IsMalformed(string principal)
    {
        var key = await CreateKeyAsync(Alice);
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Effect": "Allow", "Principal": {"AWS": ["{{TestSeed.BobArn}}", "{{principal}}"]}, "Action": "kms:Encrypt", "Resource": "*"}]}
            """;
        var e = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct));
        Assert.Equal("Policy contains a statement with one or more invalid principals.", e.Message);

        var e2 = await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() =>
            Alice.CreateKeyAsync(new CreateKeyRequest { Policy = policy }, Ct));
        Assert.Equal("Policy contains a statement with one or more invalid principals.", e2.Message);

        // The stored policy is unchanged.
        var stored = await Alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId }, Ct);
        Assert.Contains("key-default-1", stored.Policy, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(TestSeed.OtherAccountArn)] // declared in the seed file
    [InlineData("arn:aws:sts::444455556666:assumed-role/other/ci-session")] // a session of a declared role
    [InlineData("arn:aws:iam::999988887777:role/elsewhere")] // an account this service does not know
    [InlineData("arn:aws:iam::999988887777:root")]
    public async Task PutKeyPolicy_NamingExistingOrUncheckablePrincipals_IsAccepted(string principal)
    {
        var key = await CreateKeyAsync(Alice);
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Effect": "Allow", "Principal": {"AWS": "{{principal}}"}, "Action": "kms:Decrypt", "Resource": "*"}]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);
    }

    [Fact]
    public async Task Conditions_OnResourceAliases_FollowAliasChanges()
    {
        var key = await CreateKeyAsync(Alice);
        var restricted = $"alias/restricted-{Guid.NewGuid():N}";
        const string policy = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NotRestrictedKeys", "Effect": "Deny", "Principal": "*", "Action": "kms:Encrypt", "Resource": "*",
               "Condition": {"ForAnyValue:StringLike": {"kms:ResourceAliases": "alias/restricted-*"}}},
              {"Sid": "DecryptOnlyWithAnAlias", "Effect": "Deny", "Principal": "*", "Action": "kms:Decrypt", "Resource": "*",
               "Condition": {"Null": {"kms:ResourceAliases": "true"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = policy }, Ct);

        var blob = (await Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;
        await DeniedAsync(() => Alice.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()) }, Ct));

        // Named by its key id, the key is still restricted once an alias matching the pattern points at it.
        await Alice.CreateAliasAsync(new CreateAliasRequest { AliasName = restricted, TargetKeyId = key.KeyId }, Ct);
        await DeniedAsync(() => Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
        await Alice.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()) }, Ct);

        // Moving the alias to another key lifts the restriction from this one and puts it on the other.
        var other = await CreateKeyAsync(Alice);
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = other.KeyId, Policy = policy }, Ct);
        await Alice.UpdateAliasAsync(new UpdateAliasRequest { AliasName = restricted, TargetKeyId = other.KeyId }, Ct);
        await Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
        await DeniedAsync(() => Alice.EncryptAsync(new EncryptRequest { KeyId = other.KeyId, Plaintext = new MemoryStream([1]) }, Ct));

        await Alice.DeleteAliasAsync(new DeleteAliasRequest { AliasName = restricted }, Ct);
        await Alice.EncryptAsync(new EncryptRequest { KeyId = other.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EncryptionContextCondition_KeysDifferingOnlyInCase_CannotSmuggleAnotherValue(bool acmeFirst)
    {
        // The role may encrypt only with tenant=acme; a context with both "tenant" and "Tenant" binds both pairs into
        // the ciphertext, so it is refused whichever order the pairs arrive in.
        var context = acmeFirst
            ? new Dictionary<string, string> { ["Tenant"] = "acme", ["tenant"] = "globex" }
            : new Dictionary<string, string> { ["tenant"] = "globex", ["Tenant"] = "acme" };
        await DeniedAsync(() => Other.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream([1]),
            EncryptionContext = context,
        }, Ct));

        // Both pairs saying acme satisfy the condition.
        await Other.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream([1]),
            EncryptionContext = new() { ["tenant"] = "acme", ["Tenant"] = "acme" },
        }, Ct);
    }

    [Fact]
    public async Task PolicyTooCostlyToEvaluate_RefusesTheRequestQuickly()
    {
        // ~3,300 wildcard values against 64 long context keys: linear comparisons, but 27 million characters of them.
        var values = string.Join(",", Enumerable.Range(0, 3300).Select(i => $"\"*{i % 10}?{i / 10}*\""));
        var key = await CreateKeyAsync(Alice);
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.KeyId,
            Policy = """
                {"Version": "2012-10-17", "Statement": [
                  {"Effect": "Allow", "Principal": {"AWS": "ALICE"}, "Action": "kms:Encrypt", "Resource": "*",
                   "Condition": {"ForAnyValue:StringLike": {"kms:EncryptionContextKeys": [VALUES]}}},
                  {"Effect": "Allow", "Principal": {"AWS": "ALICE"}, "NotAction": "kms:Encrypt", "Resource": "*"}]}
                """.Replace("ALICE", TestSeed.AliceArn, StringComparison.Ordinal).Replace("VALUES", values, StringComparison.Ordinal),
        }, Ct);
        var context = Enumerable.Range(0, 64).ToDictionary(i => new string((char)('a' + (i % 26)), 1 + (i / 26)) + new string('x', 124), _ => string.Empty);

        var started = System.Diagnostics.Stopwatch.StartNew();
        var e = await DeniedAsync(() => Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]), EncryptionContext = context }, Ct));
        Assert.Contains("compares more than this service allows", e.Message, StringComparison.Ordinal);
        Assert.True(started.ElapsedMilliseconds < 5000, $"{started.ElapsedMilliseconds} ms");

        // A context the policy can be evaluated for is decided as usual.
        await Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]), EncryptionContext = new() { ["x0?1y"] = "v" } }, Ct);
    }

    [Fact]
    public async Task EncryptionContext_LargerThanTheBound_IsAValidationError()
    {
        var key = await CreateKeyAsync(Alice);
        var largest = new Dictionary<string, string> { ["k"] = new string('a', 8191) };
        var blob = (await Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]), EncryptionContext = largest }, Ct)).CiphertextBlob;
        await Alice.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = largest }, Ct);

        var tooLarge = new Dictionary<string, string> { ["k"] = new string('a', 8191), ["x"] = "" };
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Alice.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]), EncryptionContext = tooLarge }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value at 'encryptionContext' failed to satisfy constraint: Member must have keys and values of at most 8192 characters together", e.Message);
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Alice.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = 16, EncryptionContext = tooLarge }, Ct));
    }

    [Fact]
    public async Task GetKeyPolicy_OtherPolicyName_ThrowsNotFound()
    {
        var key = await CreateKeyAsync(Alice);
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.KeyId, PolicyName = "other" }, Ct));
    }

    [Fact]
    public async Task KeyPolicyOperations_OnUnknownKey_ThrowNotFound()
    {
        var id = Guid.NewGuid().ToString();
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = id }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = id }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = id, Policy = "{}" }, Ct));
    }
}

[Collection("sqlite")]
public sealed class KeyPolicyTests_Sqlite(SqliteFixture f) : KeyPolicyTests(f);

[Collection("postgres")]
public sealed class KeyPolicyTests_Postgres(PostgresFixture f) : KeyPolicyTests(f);
