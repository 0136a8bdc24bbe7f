using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Operations;

public abstract class TagTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task TagResource_ThenListResourceTags_ReturnsTagsInAscendingKeyOrder()
    {
        var key = await CreateKeyAsync();

        await Kms.TagResourceAsync(new TagResourceRequest
        {
            KeyId = key.KeyId,
            Tags = [Tag("team", "payments"), Tag("Env", "prod"), Tag("cost-center", ""), Tag("app", "orders")],
        }, Ct);

        var listed = await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(["Env=prod", "app=orders", "cost-center=", "team=payments"], Pairs(listed.Tags));
        Assert.False(listed.Truncated);
        Assert.Null(listed.NextMarker);
    }

    [Fact]
    public async Task TagResource_ByKeyArn_TagsTheKey()
    {
        var key = await CreateKeyAsync();

        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.Arn, Tags = [Tag("a", "1")] }, Ct);

        var listed = await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.Arn }, Ct);
        Assert.Equal(["a=1"], Pairs(listed.Tags));
    }

    [Fact]
    public async Task TagResource_WithExistingTagKey_OverwritesItsValue()
    {
        var key = await CreateKeyAsync();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1"), Tag("b", "2")] }, Ct);

        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("b", "two"), Tag("c", "3")] }, Ct);

        Assert.Equal(["a=1", "b=two", "c=3"], await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task UntagResource_RemovesOnlyTheNamedTags_AndIgnoresAbsentOnes()
    {
        var key = await CreateKeyAsync();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1"), Tag("b", "2"), Tag("c", "3")] }, Ct);

        await Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a", "c", "never-there", "a"] }, Ct);

        Assert.Equal(["b=2"], await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task ListResourceTags_KeyWithoutTags_ReturnsEmptyListNotTruncated()
    {
        var key = await CreateKeyAsync();

        var listed = await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId }, Ct);

        Assert.NotNull(listed.Tags);
        Assert.Empty(listed.Tags);
        Assert.False(listed.Truncated);
        Assert.Null(listed.NextMarker);
    }

    [Fact]
    public async Task ListResourceTags_WithLimit_PagesThroughEveryTagOnceInOrder()
    {
        var key = await CreateKeyAsync();
        var tags = Enumerable.Range(0, 7).Select(i => Tag($"k{i}", $"v{i}")).Reverse().ToList();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = tags }, Ct);

        var seen = new List<string>();
        var pageSizes = new List<int>();
        string? marker = null;
        do
        {
            var page = await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Limit = 3, Marker = marker }, Ct);
            pageSizes.Add(page.Tags.Count);
            seen.AddRange(Pairs(page.Tags));
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            marker = page.NextMarker;
        }
        while (marker is not null);

        Assert.Equal([3, 3, 1], pageSizes);
        Assert.Equal(Enumerable.Range(0, 7).Select(i => $"k{i}=v{i}"), seen);
    }

    [Fact]
    public async Task ListResourceTags_LimitEqualToTagCount_IsNotTruncated()
    {
        var key = await CreateKeyAsync();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1"), Tag("b", "2")] }, Ct);

        var listed = await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Limit = 2 }, Ct);

        Assert.Equal(2, listed.Tags.Count);
        Assert.False(listed.Truncated);
        Assert.Null(listed.NextMarker);
    }

    [Fact]
    public async Task CreateKey_WithTags_ShowsThemInListResourceTags()
    {
        var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { Tags = [Tag("team", "payments"), Tag("env", "dev")] }, Ct)).KeyMetadata;

        Assert.Equal(["env=dev", "team=payments"], await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task UpdateKeyDescription_IsShownByDescribeKey()
    {
        var key = await CreateKeyAsync(description: "before");

        await Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "after" }, Ct);
        Assert.Equal("after", await DescriptionOfAsync(key.KeyId));

        await Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.Arn, Description = "" }, Ct);
        Assert.Equal("", await DescriptionOfAsync(key.KeyId));
    }

    [Fact]
    public async Task UpdateKeyDescription_BumpsTheKeyVersion()
    {
        var key = await CreateKeyAsync();
        var before = await VersionOfAsync(key.Arn);

        await Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "new" }, Ct);

        Assert.True(await VersionOfAsync(key.Arn) > before);
    }

    [Theory]
    [InlineData("aws:owner")]
    [InlineData("AWS:owner")]
    [InlineData("Aws:owner")]
    public async Task TagResource_WithReservedTagKey_ThrowsTagException(string tagKey)
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<TagException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag(tagKey, "x")] }, Ct));

        Assert.Equal("Tags beginning with aws: are reserved", e.Message);
        Assert.Empty(await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task TagResource_WithDuplicateTagKeys_ThrowsDuplicateTagKeys()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<TagException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1"), Tag("a", "2")] }, Ct));

        Assert.Equal("Duplicate tag keys", e.Message);
        Assert.Empty(await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task TagResource_With51TagsInOneRequest_ThrowsTooManyTags()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<TagException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered("k", 51) }, Ct));

        Assert.Equal("Too many tags", e.Message);
    }

    [Fact]
    public async Task TagResource_BeyondFiftyTagsOnTheKey_ThrowsTooManyTagsAndKeepsTheOldTags()
    {
        var key = await CreateKeyAsync();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered("old", 45) }, Ct);

        var e = await Assert.ThrowsAsync<TagException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered("new", 6) }, Ct));
        Assert.Equal("Too many tags", e.Message);
        Assert.Equal(45, (await TagsOfAsync(key.KeyId)).Count);

        // Up to exactly 50 is fine, and so is overwriting values on a full key.
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered("new", 5) }, Ct);
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("old00", "changed"), Tag("new04", "changed")] }, Ct);
        var tags = await TagsOfAsync(key.KeyId);
        Assert.Equal(50, tags.Count);
        Assert.Contains("old00=changed", tags);
    }

    [Fact]
    public async Task TagResource_WithTagKeyOf129Chars_ThrowsValidationNamingTheTag()
    {
        var key = await CreateKeyAsync();
        var tagKey = new string('k', 129);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag(tagKey, "v")] }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{tagKey}' at 'tags.1.member.tagKey' failed to satisfy constraint: Member must have length less than or equal to 128", e.Message);
    }

    [Fact]
    public async Task TagResource_WithTagValueOf257Chars_ThrowsValidationNamingTheTag()
    {
        var key = await CreateKeyAsync();
        var tagValue = new string('v', 257);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("ok", "1"), Tag("k", tagValue)] }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{tagValue}' at 'tags.2.member.tagValue' failed to satisfy constraint: Member must have length less than or equal to 256", e.Message);
    }

    [Fact]
    public async Task TagResource_WithoutTags_ThrowsValidation()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public async Task UntagResource_WithTagKeyOf129Chars_ThrowsValidationNamingTheMember()
    {
        var key = await CreateKeyAsync();
        var tagKey = new string('k', 129);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a", tagKey] }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{tagKey}' at 'tagKeys.2.member' failed to satisfy constraint: Member must have length less than or equal to 128", e.Message);
    }

    [Fact]
    public async Task UntagResource_WithoutTagKeys_ThrowsValidation()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(51)]
    public async Task ListResourceTags_LimitOutOfRange_ThrowsValidation(int limit)
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Limit = limit }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains($"Value '{limit}' at 'limit' failed to satisfy constraint", e.Message);
    }

    [Theory]
    [InlineData("k1")]
    [InlineData("not base64!")]
    [InlineData("AQ==")]
    [InlineData("AmsxAA==")]
    public async Task ListResourceTags_MarkerNotIssuedByUs_ThrowsInvalidMarker(string marker)
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<InvalidMarkerException>(() =>
            Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = key.KeyId, Marker = marker }, Ct));

        Assert.Equal("The marker that you specified is not valid.", e.Message);
    }

    [Fact]
    public async Task UpdateKeyDescription_TooLong_ThrowsValidation()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = new string('d', 8193) }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.EndsWith("at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192", e.Message);
    }

    [Fact]
    public async Task UpdateKeyDescription_WithoutDescription_ThrowsValidation()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value null at 'description' failed to satisfy constraint: Member must not be null", e.Message);
    }

    [Fact]
    public async Task EveryTagOperation_UnknownKey_ThrowsNotFoundWithTheKeyArn()
    {
        var keyId = Guid.NewGuid().ToString("D");
        var message = $"Key 'arn:aws:kms:us-east-1:000000000000:key/{keyId}' does not exist";

        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = keyId, Tags = [Tag("a", "1")] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = keyId, TagKeys = ["a"] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = keyId }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = keyId, Description = "d" }, Ct))).Message);
    }

    [Fact]
    public async Task EveryTagOperation_AliasNameAsKeyId_ThrowsInvalidKeyId()
    {
        const string message = "Invalid keyId 'alias/x'";

        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = "alias/x", Tags = [Tag("a", "1")] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = "alias/x", TagKeys = ["a"] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = "alias/x" }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = "alias/x", Description = "d" }, Ct))).Message);
    }

    [Fact]
    public async Task TagOperations_OnKeyPendingDeletion_ThrowInvalidStateButListingWorks()
    {
        var key = await CreateKeyAsync(description: "kept");
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1")] }, Ct);
        await SetKeyAsync(key.Arn, row =>
        {
            row.KeyState = "PendingDeletion";
            row.DeletionDate = DateTime.UtcNow.AddDays(30);
        });
        var message = $"{key.Arn} is pending deletion.";

        Assert.Equal(message, (await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("b", "2")] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a"] }, Ct))).Message);
        Assert.Equal(message, (await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "changed" }, Ct))).Message);

        Assert.Equal(["a=1"], await TagsOfAsync(key.KeyId));
        Assert.Equal("kept", await DescriptionOfAsync(key.KeyId));
    }

    [Fact]
    public async Task TagOperations_OnDisabledKey_Succeed()
    {
        var key = await CreateKeyAsync();
        await SetKeyAsync(key.Arn, row => row.KeyState = "Disabled");

        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1"), Tag("b", "2")] }, Ct);
        await Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a"] }, Ct);
        await Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "disabled" }, Ct);

        Assert.Equal(["b=2"], await TagsOfAsync(key.KeyId));
        Assert.Equal("disabled", await DescriptionOfAsync(key.KeyId));
    }

    [Fact]
    public async Task TagOperations_OnAwsManagedKey_AreDeniedButListingWorks()
    {
        var key = await CreateKeyAsync();
        await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("a", "1")] }, Ct);
        await SetKeyAsync(key.Arn, row =>
        {
            // What AWS managed keys have: KeyManager AWS and the policy that allows only reading metadata directly.
            row.KeyManager = "AWS";
            row.Policy = KmsService.Core.Keys.AwsManagedKeys.Policy("alias/aws/s3", "aws", row.AccountId, row.Region);
        });

        var tag = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = [Tag("b", "2")] }, Ct));
        var untag = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UntagResourceAsync(new UntagResourceRequest { KeyId = key.KeyId, TagKeys = ["a"] }, Ct));
        var describe = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.UpdateKeyDescriptionAsync(new UpdateKeyDescriptionRequest { KeyId = key.KeyId, Description = "d" }, Ct));

        Assert.Equal("AccessDeniedException", tag.ErrorCode);
        Assert.EndsWith($"is not authorized to perform: kms:TagResource on resource: {key.Arn} because no resource-based policy allows the kms:TagResource action", tag.Message);
        Assert.Equal("AccessDeniedException", untag.ErrorCode);
        Assert.Contains("kms:UntagResource", untag.Message);
        Assert.Equal("AccessDeniedException", describe.ErrorCode);
        Assert.Contains("kms:UpdateKeyDescription", describe.Message);
        Assert.Equal(["a=1"], await TagsOfAsync(key.KeyId));
    }

    [Fact]
    public async Task TagResource_ConcurrentCallsWithinTheLimit_LoseNoTag()
    {
        var key = await CreateKeyAsync();

        await Task.WhenAll(Enumerable.Range(0, 5).Select(i =>
            Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered($"w{i}-", 10) }, Ct)));

        Assert.Equal(50, (await TagsOfAsync(key.KeyId)).Count);
    }

    [Fact]
    public async Task TagResource_ConcurrentCallsBeyondTheLimit_NeverLeaveMoreThanFiftyTags()
    {
        var key = await CreateKeyAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async i =>
        {
            try
            {
                await Kms.TagResourceAsync(new TagResourceRequest { KeyId = key.KeyId, Tags = Numbered($"w{i}-", 9) }, Ct);
                return "ok";
            }
            catch (TagException e)
            {
                return e.Message;
            }
        }));

        // 6 x 9 = 54 tags were asked for: exactly one call must have been refused, and nothing of it kept.
        Assert.Equal(5, outcomes.Count(o => o == "ok"));
        Assert.Equal(["Too many tags"], outcomes.Where(o => o != "ok"));
        Assert.Equal(45, (await TagsOfAsync(key.KeyId)).Count);
    }

    private static Tag Tag(string key, string value) => new() { TagKey = key, TagValue = value };

    private static List<Tag> Numbered(string prefix, int count) =>
        [.. Enumerable.Range(0, count).Select(i => Tag($"{prefix}{i:D2}", $"v{i}"))];

    private static List<string> Pairs(IEnumerable<Tag> tags) => [.. tags.Select(t => $"{t.TagKey}={t.TagValue}")];

    private async Task<List<string>> TagsOfAsync(string keyId) =>
        Pairs((await Kms.ListResourceTagsAsync(new ListResourceTagsRequest { KeyId = keyId }, Ct)).Tags);

    private async Task<string> DescriptionOfAsync(string keyId) =>
        (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata.Description;

    private async Task<int> VersionOfAsync(string arn)
    {
        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        return await db.Keys.AsNoTracking().Where(k => k.Arn == arn).Select(k => k.Version).SingleAsync(Ct);
    }

    /// <summary>Puts a key into a state no API of ours produces yet, straight in the store, and drops the cached record.</summary>
    private async Task SetKeyAsync(string arn, Action<KeyRow> change)
    {
        await using (var db = Server.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            var row = await db.Keys.SingleAsync(k => k.Arn == arn, Ct);
            change(row);
            row.Version++;
            await db.SaveChangesAsync(Ct);
        }

        Server.Services.GetRequiredService<KeyStore>().Invalidate(arn);
    }
}

[Collection("sqlite")]
public sealed class TagTests_Sqlite(SqliteFixture f) : TagTests(f);

[Collection("postgres")]
public sealed class TagTests_Postgres(PostgresFixture f) : TagTests(f);
