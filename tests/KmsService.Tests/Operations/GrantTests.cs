using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Operations;

/// <summary>Grants end to end: CreateGrant, ListGrants, ListRetirableGrants, RetireGrant, RevokeGrant, and requests
/// that only a grant allows. Principals from the seed file: alice (kms:*), bob (Encrypt/DescribeKey/GenerateDataKey*,
/// explicit Deny on Decrypt), carol (no identity policies), and in the other account dave (no identity policies) and a
/// role with kms:*.</summary>
public abstract class GrantTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string OtherAccountRoot = "arn:aws:iam::444455556666:root";

    private AmazonKeyManagementServiceClient Bob => Server.Client(TestSeed.BobAccessKey, TestSeed.BobSecret);

    private AmazonKeyManagementServiceClient Carol => Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);

    private AmazonKeyManagementServiceClient Dave => Server.Client(TestSeed.DaveAccessKey, TestSeed.DaveSecret);

    private AmazonKeyManagementServiceClient Other => Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

    private static Dictionary<string, string> Acme => new() { ["tenant"] = "acme" };

    [Fact]
    public async Task CreateGrant_ReturnsIdAndToken_AndListGrantsShowsTheGrant()
    {
        var key = await CreateKeyAsync(Alice);
        var before = DateTime.UtcNow.AddMinutes(-1);
        var created = await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            RetiringPrincipal = TestSeed.BobArn,
            Operations = ["Encrypt", "Decrypt"],
            Constraints = new GrantConstraints { EncryptionContextSubset = Acme },
            Name = "app-grant",
        }, Ct);
        Assert.Matches("^[0-9a-f]{64}$", created.GrantId);
        Assert.False(string.IsNullOrEmpty(created.GrantToken));

        var list = await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct);
        var grant = Assert.Single(list.Grants);
        Assert.Equal(key.Arn, grant.KeyId);
        Assert.Equal(created.GrantId, grant.GrantId);
        Assert.Equal("app-grant", grant.Name);
        Assert.Equal(TestSeed.CarolArn, grant.GranteePrincipal);
        Assert.Equal(TestSeed.BobArn, grant.RetiringPrincipal);
        Assert.Equal("arn:aws:iam::111122223333:root", grant.IssuingAccount);
        Assert.Equal(["Encrypt", "Decrypt"], grant.Operations);
        Assert.Equal("acme", grant.Constraints.EncryptionContextSubset["tenant"]);
        Assert.True(grant.Constraints.EncryptionContextEquals is null or { Count: 0 });
        Assert.InRange(grant.CreationDate!.Value, before, DateTime.UtcNow.AddMinutes(1));
        Assert.False(list.Truncated);
        Assert.Null(list.NextMarker);

        var byId = await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.Arn, GrantId = created.GrantId }, Ct);
        Assert.Equal(created.GrantId, Assert.Single(byId.Grants).GrantId);
        var byGrantee = await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.BobArn }, Ct);
        Assert.Empty(byGrantee.Grants);
        var unknownId = await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, GrantId = new string('a', 64) }, Ct);
        Assert.Empty(unknownId.Grants);
    }

    [Fact]
    public async Task Grantee_WithoutPolicies_MayUseTheGrantedOperationsOnly()
    {
        var key = await CreateKeyAsync(Alice);
        var e = await DeniedAsync(() => EncryptAsync(Carol, key.KeyId));
        Assert.Equal($"User: {TestSeed.CarolArn} is not authorized to perform: kms:Encrypt on resource: {key.Arn} because no identity-based policy allows the kms:Encrypt action", e.Message);

        await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt", "Decrypt");

        var blob = await EncryptAsync(Carol, key.KeyId);
        var plain = await Carol.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }, Ct);
        Assert.Equal([1, 2, 3], plain.Plaintext.ToArray());
        await DeniedAsync(() => Carol.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct));
        await DeniedAsync(() => Carol.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct));
        await DeniedAsync(() => Carol.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct));

        // A grant is for one key only.
        var otherKey = await CreateKeyAsync(Alice);
        await DeniedAsync(() => EncryptAsync(Carol, otherKey.KeyId));
    }

    [Fact]
    public async Task Grant_AllowsDataKeysDescribeKeyAndReEncrypt()
    {
        var source = await CreateKeyAsync(Alice);
        var destination = await CreateKeyAsync(Alice);
        await GrantAsync(source.KeyId, TestSeed.CarolArn, "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "DescribeKey", "ReEncryptFrom");
        await Carol.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = source.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct);
        await Carol.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = source.KeyId, NumberOfBytes = 16 }, Ct);
        Assert.Equal(source.Arn, (await Carol.DescribeKeyAsync(new DescribeKeyRequest { KeyId = source.Arn }, Ct)).KeyMetadata.Arn);

        var blob = await EncryptAsync(Alice, source.KeyId);
        var reEncrypt = new ReEncryptRequest { CiphertextBlob = new MemoryStream(blob), DestinationKeyId = destination.KeyId };
        await DeniedAsync(() => Carol.ReEncryptAsync(reEncrypt, Ct));

        await GrantAsync(destination.KeyId, TestSeed.CarolArn, "ReEncryptTo");
        reEncrypt.CiphertextBlob = new MemoryStream(blob);
        var moved = await Carol.ReEncryptAsync(reEncrypt, Ct);
        Assert.Equal(destination.Arn, moved.KeyId);
        Assert.Equal(source.Arn, moved.SourceKeyId);
    }

    [Fact]
    public async Task SubsetConstraint_AllowsOnlyRequestsThatIncludeItsPairs()
    {
        var key = await CreateKeyAsync(Alice);
        await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["Encrypt", "Decrypt"],
            Constraints = new GrantConstraints { EncryptionContextSubset = Acme },
        }, Ct);

        var blob = await EncryptAsync(Carol, key.KeyId, new() { ["tenant"] = "acme", ["region"] = "eu" });
        await Carol.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob), EncryptionContext = new() { ["tenant"] = "acme", ["region"] = "eu" } }, Ct);
        await EncryptAsync(Carol, key.KeyId, Acme);

        // KMS API Reference, GrantConstraints: the key of a pair is not case sensitive, the value is.
        await EncryptAsync(Carol, key.KeyId, new() { ["TENANT"] = "acme" });
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId, new() { ["tenant"] = "ACME" }));
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId, new() { ["tenant"] = "globex" }));
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId));

        // Pairs whose keys differ only in case all fall under the constraint's key: a ciphertext binding tenant=globex
        // beside Tenant=acme is refused, in either order.
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId, new() { ["tenant"] = "globex", ["Tenant"] = "acme" }));
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId, new() { ["Tenant"] = "acme", ["tenant"] = "globex" }));
    }

    [Fact]
    public async Task EqualsConstraint_AllowsOnlyExactlyItsPairs_AndNotOperationsWithoutContext()
    {
        var key = await CreateKeyAsync(Alice);
        await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["Encrypt", "DescribeKey"],
            Constraints = new GrantConstraints { EncryptionContextEquals = Acme },
        }, Ct);

        await EncryptAsync(Carol, key.KeyId, Acme);
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId, new() { ["tenant"] = "acme", ["extra"] = "1" }));
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId));

        // The constraint does not apply to DescribeKey.
        await Carol.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task RetireGrant_ByTheRetiringPrincipal_StopsAccessAtOnce()
    {
        var key = await CreateKeyAsync(Alice);
        var created = await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            RetiringPrincipal = TestSeed.BobArn,
            Operations = ["Encrypt"],
        }, Ct);
        await EncryptAsync(Carol, key.KeyId);

        // Bob's identity policies do not allow kms:RetireGrant; as the retiring principal he needs nothing else.
        await Bob.RetireGrantAsync(new RetireGrantRequest { GrantToken = created.GrantToken }, Ct);

        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId));
        Assert.Empty((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);
        await Assert.ThrowsAsync<NotFoundException>(() => Bob.RetireGrantAsync(new RetireGrantRequest { GrantToken = created.GrantToken }, Ct));
    }

    [Fact]
    public async Task RetireGrant_IsDecidedByTheGrant()
    {
        var key = await CreateKeyAsync(Alice);
        var plain = await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt");
        var retirable = await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt", "RetireGrant");

        // The grantee may retire only a grant that allows RetireGrant.
        await DeniedAsync(() => Carol.RetireGrantAsync(new RetireGrantRequest { KeyId = key.Arn, GrantId = plain.GrantId }, Ct));
        await Carol.RetireGrantAsync(new RetireGrantRequest { KeyId = key.KeyId, GrantId = retirable.GrantId }, Ct);

        // Principals of the key's account retire with kms:RetireGrant in their identity policies (alice has kms:*).
        await Alice.RetireGrantAsync(new RetireGrantRequest { KeyId = key.KeyId, GrantId = plain.GrantId }, Ct);
        Assert.Empty((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);

        // The key's account root retires any grant of its keys.
        var rootKey = await CreateKeyAsync(Kms);
        var rootGrant = await Kms.CreateGrantAsync(new CreateGrantRequest { KeyId = rootKey.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt"] }, Ct);
        await DeniedAsync(() => Alice.RetireGrantAsync(new RetireGrantRequest { KeyId = rootKey.Arn, GrantId = rootGrant.GrantId }, Ct));
        await Kms.RetireGrantAsync(new RetireGrantRequest { GrantToken = rootGrant.GrantToken }, Ct);
    }

    [Fact]
    public async Task RevokeGrant_StopsAccessAtOnce_AndNeedsKmsRevokeGrant()
    {
        var key = await CreateKeyAsync(Alice);
        var created = await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt", "RetireGrant");
        await EncryptAsync(Carol, key.KeyId);

        // Revoking is a policy permission: neither bob nor the grantee has it.
        await DeniedAsync(() => Bob.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = created.GrantId }, Ct));
        await DeniedAsync(() => Carol.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = created.GrantId }, Ct));

        await Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.Arn, GrantId = created.GrantId }, Ct);
        await DeniedAsync(() => EncryptAsync(Carol, key.KeyId));
        Assert.Empty((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = created.GrantId }, Ct));
        Assert.Contains(created.GrantId, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExplicitDeny_BeatsAGrant()
    {
        // Bob's identity policy denies Decrypt.
        var key = await CreateKeyAsync(Alice);
        await GrantAsync(key.KeyId, TestSeed.BobArn, "Decrypt");
        var blob = await EncryptAsync(Bob, key.KeyId);
        var e = await DeniedAsync(() => Bob.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }, Ct));
        Assert.EndsWith("with an explicit deny in an identity-based policy", e.Message, StringComparison.Ordinal);

        // A Deny in the key policy wins too.
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NoCarol", "Effect": "Deny", "Principal": {"AWS": "{{TestSeed.CarolArn}}"}, "Action": "kms:Encrypt", "Resource": "*"}
            ]}
            """;
        var denied = (await Alice.CreateKeyAsync(new CreateKeyRequest { Policy = policy }, Ct)).KeyMetadata;
        await GrantAsync(denied.KeyId, TestSeed.CarolArn, "Encrypt");
        var e2 = await DeniedAsync(() => EncryptAsync(Carol, denied.KeyId));
        Assert.EndsWith("with an explicit deny in a resource-based policy", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CrossAccountGrant_NeedsNoIdentityPolicyOfTheGrantee()
    {
        var key = await CreateKeyAsync(Alice);
        await DeniedAsync(() => EncryptAsync(Dave, key.Arn));

        await GrantAsync(key.KeyId, TestSeed.DaveArn, "Encrypt", "Decrypt", "DescribeKey");
        var blob = await EncryptAsync(Dave, key.Arn);
        await Dave.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }, Ct);
        await Dave.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, Ct);

        // A bare key id names a key of the caller's own account.
        await Assert.ThrowsAsync<NotFoundException>(() => EncryptAsync(Dave, key.KeyId));
    }

    [Fact]
    public async Task GrantToAnAccount_DelegatesToThatAccountsIdentityPolicies()
    {
        var key = await CreateKeyAsync(Alice);
        await GrantAsync(key.KeyId, OtherAccountRoot, "Encrypt");

        // The other account's role has kms:* in its identity policy; dave has no identity policy.
        await EncryptAsync(Other, key.Arn);
        await DeniedAsync(() => EncryptAsync(Dave, key.Arn));
    }

    [Fact]
    public async Task KeyPolicyConditions_OnGrantOperationsAndGrantee_RestrictCreateGrant()
    {
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "CarolGrantsEncryptToDave", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.CarolArn}}"},
               "Action": "kms:CreateGrant", "Resource": "*",
               "Condition": {
                 "ForAllValues:StringEquals": {"kms:GrantOperations": ["Encrypt", "Decrypt"]},
                 "StringEquals": {"kms:GranteePrincipal": "{{TestSeed.DaveArn}}"},
                 "Bool": {"kms:GrantIsForAWSResource": "false"}
               }
              },
              {"Sid": "CarolGrantsOnlyWithEquals", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.CarolArn}}"},
               "Action": "kms:CreateGrant", "Resource": "*",
               "Condition": {
                 "StringEquals": {"kms:GrantConstraintType": "EncryptionContextEquals", "kms:EncryptionContext:tenant": "acme",
                                  "kms:RetiringPrincipal": "{{TestSeed.AliceArn}}"
                 }
               }
              }
            ]}
            """;
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest { Policy = policy }, Ct)).KeyMetadata;

        await Carol.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.DaveArn, Operations = ["Encrypt"] }, Ct);
        await DeniedAsync(() => Carol.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.DaveArn, Operations = ["Encrypt", "GenerateDataKey"] }, Ct));
        await DeniedAsync(() => Carol.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.BobArn, Operations = ["Encrypt"] }, Ct));

        // The second statement: any operations and grantee, with an equals constraint tenant=acme retired by alice.
        await Carol.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.BobArn,
            RetiringPrincipal = TestSeed.AliceArn,
            Operations = ["GenerateDataKey"],
            Constraints = new GrantConstraints { EncryptionContextEquals = Acme },
        }, Ct);
        await DeniedAsync(() => Carol.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.BobArn,
            RetiringPrincipal = TestSeed.AliceArn,
            Operations = ["GenerateDataKey"],
            Constraints = new GrantConstraints { EncryptionContextSubset = Acme },
        }, Ct));
    }

    [Fact]
    public async Task CreateGrantFromAGrant_IsLimitedToNoBroaderGrants()
    {
        var key = await CreateKeyAsync(Alice);
        await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["Encrypt", "Decrypt", "CreateGrant"],
            Constraints = new GrantConstraints { EncryptionContextSubset = new() { ["a"] = "1" } },
        }, Ct);

        Task<CreateGrantResponse> Child(List<string> operations, GrantConstraints? constraints) =>
            Carol.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.DaveArn, Operations = operations, Constraints = constraints }, Ct);

        await Child(["Encrypt"], new GrantConstraints { EncryptionContextSubset = new() { ["a"] = "1", ["b"] = "2" } });
        await Child(["Encrypt", "Decrypt"], new GrantConstraints { EncryptionContextEquals = new() { ["a"] = "1" } });
        await DeniedAsync(() => Child(["GenerateDataKey"], new GrantConstraints { EncryptionContextSubset = new() { ["a"] = "1" } }));
        await DeniedAsync(() => Child(["Encrypt"], null));
        await DeniedAsync(() => Child(["Encrypt"], new GrantConstraints { EncryptionContextSubset = new() { ["b"] = "2" } }));

        // Dave uses the child grant within its constraint.
        await EncryptAsync(Dave, key.Arn, new() { ["a"] = "1", ["b"] = "2" });
    }

    [Fact]
    public async Task ListRetirableGrants_ListsTheRetiringPrincipalsGrantsOnAnyKey()
    {
        // A federated-user session: unique per test run, and not an IAM entity that must be declared.
        var principal = $"arn:aws:sts::111122223333:federated-user/retirer-{Guid.NewGuid():N}";
        var first = await CreateKeyAsync(Alice);
        var second = await CreateKeyAsync(Alice);
        var a = await Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = first.KeyId, GranteePrincipal = TestSeed.CarolArn, RetiringPrincipal = principal, Operations = ["Encrypt"] }, Ct);
        var b = await Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = second.KeyId, GranteePrincipal = TestSeed.CarolArn, RetiringPrincipal = principal, Operations = ["Decrypt"] }, Ct);
        await GrantAsync(second.KeyId, TestSeed.CarolArn, "Encrypt");

        var page = await Alice.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = principal, Limit = 1 }, Ct);
        Assert.True(page.Truncated);
        var rest = await Alice.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = principal, Marker = page.NextMarker }, Ct);
        Assert.False(rest.Truncated);
        var all = page.Grants.Concat(rest.Grants).ToDictionary(g => g.GrantId, g => g.KeyId);
        Assert.Equal(2, all.Count);
        Assert.Equal(first.Arn, all[a.GrantId]);
        Assert.Equal(second.Arn, all[b.GrantId]);

        // An identity-policy permission of the caller's account, for principals of that account.
        await DeniedAsync(() => Bob.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = principal }, Ct));
        await DeniedAsync(() => Alice.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = TestSeed.DaveArn }, Ct));
        await Assert.ThrowsAsync<InvalidArnException>(() => Alice.ListRetirableGrantsAsync(new ListRetirableGrantsRequest { RetiringPrincipal = "kms.amazonaws.com" }, Ct));
    }

    [Fact]
    public async Task CreateGrant_WithTheSameNameAndProperties_ReturnsTheSameGrant()
    {
        var key = await CreateKeyAsync(Alice);
        var request = new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt", "Decrypt"], Name = "retry-me" };
        var first = await Alice.CreateGrantAsync(request, Ct);
        var again = await Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = key.Arn, GranteePrincipal = TestSeed.CarolArn, Operations = ["Decrypt", "Encrypt"], Name = "retry-me" }, Ct);
        Assert.Equal(first.GrantId, again.GrantId);
        Assert.NotEqual(first.GrantToken, again.GrantToken);

        // Both tokens name the grant; a name is not an identity: other properties make another grant.
        await EncryptAsync(Carol, key.KeyId, grantTokens: [first.GrantToken, again.GrantToken]);
        var other = await Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt"], Name = "retry-me" }, Ct);
        Assert.NotEqual(first.GrantId, other.GrantId);
        var unnamed = await Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt", "Decrypt"] }, Ct);
        Assert.NotEqual(first.GrantId, unnamed.GrantId);
        Assert.Equal(3, (await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants.Count);

        await Alice.RetireGrantAsync(new RetireGrantRequest { GrantToken = again.GrantToken }, Ct);
        Assert.Equal(2, (await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants.Count);
    }

    [Fact]
    public async Task ListGrants_PagesThroughEveryGrantOnce()
    {
        var key = await CreateKeyAsync(Alice);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt")).GrantId);
        }

        var seen = new List<string>();
        string? marker = null;
        do
        {
            var page = await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, Limit = 2, Marker = marker }, Ct);
            Assert.InRange(page.Grants.Count, 1, 2);
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            seen.AddRange(page.Grants.Select(g => g.GrantId));
            marker = page.NextMarker;
        }
        while (marker is not null);

        // Oldest first; grants created within the same millisecond come in grant id order.
        Assert.Equal(ids.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
        Assert.Equal(seen.Count, seen.Distinct().Count());
        await Assert.ThrowsAsync<InvalidMarkerException>(() => Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, Marker = "not-ours" }, Ct));
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, Limit = 101 }, Ct)));
    }

    [Fact]
    public async Task CreateGrant_WithInvalidOperations_ThrowsValidation()
    {
        var key = await CreateKeyAsync(Alice);
        CreateGrantRequest Request(params string[] operations) =>
            new() { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = [.. operations] };

        var e = await ErrorAsync(() => Alice.CreateGrantAsync(Request("Encrypt", "Fly"), Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("1 validation error detected: Value '[Encrypt, Fly]' at 'operations' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [Decrypt, Encrypt,", e.Message, StringComparison.Ordinal);

        e = await ErrorAsync(() => Alice.CreateGrantAsync(Request("CreateGrant"), Ct));
        Assert.Equal("Grants must not contain only the CreateGrant operation.", e.Message);

        // Signing and MAC operations are not operations of a symmetric encryption key.
        e = await ErrorAsync(() => Alice.CreateGrantAsync(Request("Encrypt", "Sign", "GenerateMac"), Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains("[Sign, GenerateMac]", e.Message, StringComparison.Ordinal);

        // Data key pairs are protected by symmetric encryption keys, so those are allowed.
        await Alice.CreateGrantAsync(Request("GenerateDataKeyPair", "GenerateDataKeyPairWithoutPlaintext"), Ct);
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.CreateGrantAsync(Request(), Ct)));
    }

    [Fact]
    public async Task CreateGrant_WithInvalidPrincipalsOrConstraints_Throws()
    {
        var key = await CreateKeyAsync(Alice);
        CreateGrantRequest Request(string grantee, GrantConstraints? constraints = null, params string[] operations) => new()
        {
            KeyId = key.KeyId,
            GranteePrincipal = grantee,
            Operations = operations.Length == 0 ? ["Encrypt"] : [.. operations],
            Constraints = constraints,
        };

        await Assert.ThrowsAsync<InvalidArnException>(() => Alice.CreateGrantAsync(Request("dynamodb.us-east-1.amazonaws.com"), Ct));
        await Assert.ThrowsAsync<InvalidArnException>(() => Alice.CreateGrantAsync(Request("arn:aws:iam::111122223333:group/admins"), Ct));
        var ghost = await Assert.ThrowsAsync<InvalidArnException>(() => Alice.CreateGrantAsync(Request("arn:aws:iam::111122223333:role/ghost"), Ct));
        Assert.Equal("GranteePrincipal arn:aws:iam::111122223333:role/ghost does not exist.", ghost.Message);
        await Assert.ThrowsAsync<InvalidArnException>(() => Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            RetiringPrincipal = "arn:aws:iam::111122223333:user/nobody",
            Operations = ["Encrypt"],
        }, Ct));
        await Assert.ThrowsAsync<InvalidArnException>(() => Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            RetiringPrincipal = "111122223333",
            Operations = ["Encrypt"],
        }, Ct));
        var e = await ErrorAsync(() => Alice.CreateGrantAsync(Request("not a principal"), Ct));
        Assert.Equal("1 validation error detected: Value 'not a principal' at 'granteePrincipal' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[\\w+=,.@:/-]+$", e.Message);

        e = await ErrorAsync(() => Alice.CreateGrantAsync(Request(TestSeed.CarolArn, new GrantConstraints { EncryptionContextEquals = Acme, EncryptionContextSubset = Acme }), Ct));
        Assert.Equal("More than one constraint supplied", e.Message);
        var nine = Enumerable.Range(0, 9).ToDictionary(i => $"k{i}", i => "v");
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.CreateGrantAsync(Request(TestSeed.CarolArn, new GrantConstraints { EncryptionContextSubset = nine }), Ct)));
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.CreateGrantAsync(Request(TestSeed.CarolArn, new GrantConstraints { EncryptionContextSubset = Acme }, "DescribeKey", "RetireGrant"), Ct)));
        var named = Request(TestSeed.CarolArn);
        named.Name = string.Join(' ', "no", "spaces", "allowed");
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.CreateGrantAsync(named, Ct)));
        Assert.Empty((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);
    }

    [Fact]
    public async Task CreateGrant_OnKeysThatCannotTakeGrants_Throws()
    {
        await Assert.ThrowsAsync<NotFoundException>(() => GrantAsync("invalid", TestSeed.CarolArn, "Encrypt"));
        await Assert.ThrowsAsync<NotFoundException>(() => GrantAsync(Guid.NewGuid().ToString(), TestSeed.CarolArn, "Encrypt"));

        var disabled = await CreateKeyAsync(Alice);
        await Alice.DisableKeyAsync(new DisableKeyRequest { KeyId = disabled.KeyId }, Ct);
        var e = await Assert.ThrowsAsync<DisabledException>(() => GrantAsync(disabled.KeyId, TestSeed.CarolArn, "Encrypt"));
        Assert.Equal($"{disabled.Arn} is disabled.", e.Message);

        var pending = await CreateKeyAsync(Alice);
        var granted = await GrantAsync(pending.KeyId, TestSeed.CarolArn, "Encrypt");
        await Alice.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = pending.KeyId, PendingWindowInDays = 7 }, Ct);
        var e2 = await Assert.ThrowsAsync<KMSInvalidStateException>(() => GrantAsync(pending.KeyId, TestSeed.CarolArn, "Encrypt"));
        Assert.Equal($"{pending.Arn} is pending deletion.", e2.Message);

        // Listing and revoking work in every key state.
        Assert.Single((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = pending.KeyId }, Ct)).Grants);
        await Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = pending.KeyId, GrantId = granted.GrantId }, Ct);
    }

    [Fact]
    public async Task GrantIdsAndTokens_ThatAreNotValid_Throw()
    {
        var key = await CreateKeyAsync(Alice);
        var created = await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt");

        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => EncryptAsync(Carol, key.KeyId, grantTokens: ["not-a-token"]));
        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Alice.RetireGrantAsync(new RetireGrantRequest { GrantToken = "not-a-token" }, Ct));
        var malformed = await Assert.ThrowsAsync<InvalidGrantIdException>(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = "abc" }, Ct));
        Assert.DoesNotContain("hexadecimal", malformed.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidGrantIdException>(() => Alice.RetireGrantAsync(new RetireGrantRequest { KeyId = key.KeyId, GrantId = "abc" }, Ct));
        await Assert.ThrowsAsync<InvalidGrantIdException>(() => Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId, GrantId = "abc" }, Ct));

        var unknown = new string('0', 64);
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = unknown }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.RetireGrantAsync(new RetireGrantRequest { KeyId = key.KeyId, GrantId = unknown }, Ct));

        // A grant id names a grant of one key only.
        var otherKey = await CreateKeyAsync(Alice);
        await Assert.ThrowsAsync<NotFoundException>(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = otherKey.KeyId, GrantId = created.GrantId }, Ct));

        var e = await ErrorAsync(() => Alice.RetireGrantAsync(new RetireGrantRequest { GrantId = created.GrantId }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("ValidationException", await ErrorCodeAsync(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId }, Ct)));

        // Carol is neither retiring principal nor a grantee allowed to retire, and has no identity policy.
        await DeniedAsync(() => Carol.RetireGrantAsync(new RetireGrantRequest { GrantToken = created.GrantToken }, Ct));
        Assert.Single((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);
    }

    [Fact]
    public async Task DryRun_ChangesNothing()
    {
        var key = await CreateKeyAsync(Alice);
        await Assert.ThrowsAsync<DryRunOperationException>(() => Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.CarolArn,
            Operations = ["Encrypt"],
            DryRun = true,
        }, Ct));
        Assert.Empty((await Alice.ListGrantsAsync(new ListGrantsRequest { KeyId = key.KeyId }, Ct)).Grants);

        var created = await GrantAsync(key.KeyId, TestSeed.CarolArn, "Encrypt");
        await Assert.ThrowsAsync<DryRunOperationException>(() => Alice.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.KeyId, GrantId = created.GrantId, DryRun = true }, Ct));
        await Assert.ThrowsAsync<DryRunOperationException>(() => Alice.RetireGrantAsync(new RetireGrantRequest { GrantToken = created.GrantToken, DryRun = true }, Ct));
        await EncryptAsync(Carol, key.KeyId);
    }

    [Fact]
    public async Task CreateGrant_BeyondTheGrantsPerKeyQuota_ThrowsLimitExceeded()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:Quotas:GrantsPerKey", "2");
        var alice = isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var key = (await alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        CreateGrantRequest Request(string? name = null) => new() { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt"], Name = name };

        var named = await alice.CreateGrantAsync(Request("first"), Ct);
        await alice.CreateGrantAsync(Request(), Ct);
        var e = await Assert.ThrowsAsync<LimitExceededException>(() => alice.CreateGrantAsync(Request(), Ct));
        Assert.Contains("already has 2 grants", e.Message, StringComparison.Ordinal);

        // A retry of an existing named grant creates nothing, so the quota does not stop it.
        Assert.Equal(named.GrantId, (await alice.CreateGrantAsync(Request("first"), Ct)).GrantId);

        // The quota is per key.
        var other = (await alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await alice.CreateGrantAsync(new CreateGrantRequest { KeyId = other.KeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt"] }, Ct);
    }

    [Fact]
    public async Task DeletedKey_TakesItsGrantsWithIt()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await Fixture.StartAnotherAsync(configure: s => s.AddSingleton<TimeProvider>(clock));
        var alice = server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var key = (await alice.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var created = await alice.CreateGrantAsync(new CreateGrantRequest { KeyId = key.KeyId, GranteePrincipal = TestSeed.CarolArn, RetiringPrincipal = TestSeed.BobArn, Operations = ["Encrypt"] }, Ct);
        await alice.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);

        clock.Advance(TimeSpan.FromDays(8));
        await server.Services.GetRequiredService<KeyDeletionService>().RunOnceAsync(Ct);

        await using var db = server.Services.GetRequiredService<KmsDbFactory>().Create();
        Assert.False(db.Grants.Any(g => g.KeyArn == key.Arn));
        await Assert.ThrowsAsync<NotFoundException>(() => alice.RetireGrantAsync(new RetireGrantRequest { GrantToken = created.GrantToken }, Ct));
    }

    [Fact]
    public async Task Reset_RemovesGrantsOfSeededKeys()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:EnableResetEndpoint", "true");
        var alice = isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var carol = isolated.Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);
        await alice.CreateGrantAsync(new CreateGrantRequest { KeyId = TestSeed.PinnedKeyId, GranteePrincipal = TestSeed.CarolArn, Operations = ["Encrypt"] }, Ct);
        await carol.EncryptAsync(new EncryptRequest { KeyId = TestSeed.PinnedKeyArn, Plaintext = new MemoryStream([1]) }, Ct);

        using var response = await ResetClient.ResetAsync(isolated.Server.Url, ct: Ct);
        response.EnsureSuccessStatusCode();

        Assert.Empty((await alice.ListGrantsAsync(new ListGrantsRequest { KeyId = TestSeed.PinnedKeyId }, Ct)).Grants);
        await DeniedAsync(() => carol.EncryptAsync(new EncryptRequest { KeyId = TestSeed.PinnedKeyArn, Plaintext = new MemoryStream([1]) }, Ct));
    }

    private Task<CreateGrantResponse> GrantAsync(string keyId, string grantee, params string[] operations) =>
        Alice.CreateGrantAsync(new CreateGrantRequest { KeyId = keyId, GranteePrincipal = grantee, Operations = [.. operations] }, Ct);

    private static async Task<byte[]> EncryptAsync(
        AmazonKeyManagementServiceClient client, string keyId, Dictionary<string, string>? context = null, List<string>? grantTokens = null)
    {
        var response = await client.EncryptAsync(new EncryptRequest
        {
            KeyId = keyId,
            Plaintext = new MemoryStream([1, 2, 3]),
            EncryptionContext = context,
            GrantTokens = grantTokens,
        }, Ct);
        return response.CiphertextBlob.ToArray();
    }

    private static async Task<AmazonKeyManagementServiceException> DeniedAsync(Func<Task> call)
    {
        var e = await ErrorAsync(call);
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        return e;
    }

    private static Task<AmazonKeyManagementServiceException> ErrorAsync(Func<Task> call) =>
        Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(call);

    private static async Task<string> ErrorCodeAsync(Func<Task> call) => (await ErrorAsync(call)).ErrorCode;
}

[Collection("sqlite")]
public sealed class GrantTests_Sqlite(SqliteFixture f) : GrantTests(f);

[Collection("postgres")]
public sealed class GrantTests_Postgres(PostgresFixture f) : GrantTests(f);
