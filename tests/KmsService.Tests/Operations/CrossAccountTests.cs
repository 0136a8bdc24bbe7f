using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>A key whose policy gives another account <c>kms:*</c>: that account's principals may use the key (the
/// cryptographic operations, DescribeKey, GetKeyRotationStatus and the grant operations), never administer it, whatever
/// the policy says (KMS Developer Guide, "Allowing users in other accounts to use a KMS key").</summary>
public abstract class CrossAccountTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string OtherAccountRoot = "arn:aws:iam::444455556666:root";

    private AmazonKeyManagementServiceClient Other => Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

    [Fact]
    public async Task AdministrativeOperations_OnAnotherAccountsKey_AreDeniedWhateverThePolicySays()
    {
        var key = await SharedKeyAsync();
        var other = Other;

        await NotCrossAccountAsync("PutKeyPolicy", key, () => other.PutKeyPolicyAsync(new PutKeyPolicyRequest
        {
            KeyId = key.Arn,
            Policy = LockOutOwnerPolicy,
            BypassPolicyLockoutSafetyCheck = true,
        }, Ct));
        await NotCrossAccountAsync("ScheduleKeyDeletion", key, () => other.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.Arn, PendingWindowInDays = 7 }, Ct));
        await NotCrossAccountAsync("CancelKeyDeletion", key, () => other.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("DisableKey", key, () => other.DisableKeyAsync(new DisableKeyRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("EnableKey", key, () => other.EnableKeyAsync(new EnableKeyRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("TagResource", key, () => other.TagResourceAsync(new TagResourceRequest { KeyId = key.Arn, Tags = [new Tag { TagKey = "owner", TagValue = "mallory" }] }, Ct));
        await NotCrossAccountAsync("UntagResource", key, () => other.UntagResourceAsync(new UntagResourceRequest { KeyId = key.Arn, TagKeys = ["team"] }, Ct));
        await NotCrossAccountAsync("ListResourceTags", key, () => other.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("UpdateKeyDescription", key, () => other.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.Arn, Description = "taken" }, Ct));
        await NotCrossAccountAsync("EnableKeyRotation", key, () => other.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("DisableKeyRotation", key, () => other.DisableKeyRotationAsync(new DisableKeyRotationRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("RotateKeyOnDemand", key, () => other.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("ListKeyRotations", key, () => other.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("GetKeyPolicy", key, () => other.GetKeyPolicyAsync(new GetKeyPolicyRequest { KeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("ListKeyPolicies", key, () => other.ListKeyPoliciesAsync(new ListKeyPoliciesRequest { KeyId = key.Arn }, Ct));

        // Nothing changed: the owner still administers an enabled key with its description, tags and policy.
        var metadata = (await Alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Enabled, metadata.KeyState);
        Assert.Equal("shared", metadata.Description);
        var tags = await Alice.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(["team"], tags.Tags.Select(t => t.TagKey));
        Assert.False((await Alice.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.KeyId }, Ct)).KeyRotationEnabled);
        Assert.Empty((await Alice.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId }, Ct)).Rotations ?? []);
        await Alice.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "shared" }, Ct);
    }

    [Fact]
    public async Task Aliases_OfOneAccount_CannotPointAtAnotherAccountsKey()
    {
        var key = await SharedKeyAsync();
        var other = Other;
        var own = (await other.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var name = "alias/mine-" + Guid.NewGuid().ToString("N")[..8];
        await other.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = own.KeyId }, Ct);

        await NotCrossAccountAsync("CreateAlias", key, () => other.CreateAliasAsync(new CreateAliasRequest { AliasName = name + "-x", TargetKeyId = key.Arn }, Ct));
        await NotCrossAccountAsync("UpdateAlias", key, () => other.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = key.Arn }, Ct));

        var aliases = await other.ListAliasesAsync(new ListAliasesRequest { KeyId = own.KeyId }, Ct);
        Assert.Equal([name], aliases.Aliases.Select(a => a.AliasName));
        await Assert.ThrowsAsync<NotFoundException>(() => other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name + "-x" }, Ct));
    }

    [Fact]
    public async Task UseOperations_OnAnotherAccountsKey_FollowThePolicy()
    {
        var key = await SharedKeyAsync();
        var other = Other;

        var blob = (await other.EncryptAsync(new EncryptRequest { KeyId = key.Arn, Plaintext = new MemoryStream([7]) }, Ct)).CiphertextBlob;
        Assert.Equal([7], (await other.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct)).Plaintext.ToArray());
        await other.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.Arn, KeySpec = DataKeySpec.AES_256 }, Ct);
        await other.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = new MemoryStream(blob.ToArray()),
            DestinationKeyId = key.Arn,
        }, Ct);
        Assert.Equal(key.Arn, (await other.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.Arn }, Ct)).KeyMetadata.Arn);
        Assert.False((await other.GetKeyRotationStatusAsync(new GetKeyRotationStatusRequest { KeyId = key.Arn }, Ct)).KeyRotationEnabled);

        var grant = await other.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.Arn,
            GranteePrincipal = TestSeed.DaveArn,
            Operations = [GrantOperation.Encrypt],
        }, Ct);
        Assert.Contains((await other.ListGrantsAsync(new ListGrantsRequest { KeyId = key.Arn }, Ct)).Grants, g => g.GrantId == grant.GrantId);
        await other.RevokeGrantAsync(new RevokeGrantRequest { KeyId = key.Arn, GrantId = grant.GrantId }, Ct);
    }

    private static async Task NotCrossAccountAsync(string action, KeyMetadata key, Func<Task> call)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(call);
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Equal(
            $"User: {TestSeed.OtherAccountArn} is not authorized to perform: kms:{action} on resource: {key.Arn} because kms:{action} cannot be performed on a KMS key in another AWS account",
            e.Message);
    }

    // A key of account 111122223333 whose policy gives account 444455556666 every permission.
    private async Task<KeyMetadata> SharedKeyAsync()
    {
        var policy = $$"""
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Owner", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "OtherAccount", "Effect": "Allow", "Principal": {"AWS": "{{OtherAccountRoot}}"}, "Action": "kms:*", "Resource": "*"}]}
            """;
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest
        {
            Description = "shared",
            Policy = policy,
            Tags = [new Tag { TagKey = "team", TagValue = "core" }],
        }, Ct)).KeyMetadata;
        return key;
    }

    private static string LockOutOwnerPolicy => $$"""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Principal": {"AWS": "{{OtherAccountRoot}}"}, "Action": "kms:*", "Resource": "*"}]}
        """;
}

[Collection("sqlite")]
public sealed class CrossAccountTests_Sqlite(SqliteFixture f) : CrossAccountTests(f);

[Collection("postgres")]
public sealed class CrossAccountTests_Postgres(PostgresFixture f) : CrossAccountTests(f);
