using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Keys;

public sealed class KeyIdentifierTests
{
    private const string KeyId = "1234abcd-12ab-34cd-56ef-1234567890ab";

    [Theory]
    [InlineData("arn:aws:kms:us-east-1:111122223333:key/" + KeyId, "aws", "us-east-1")]
    [InlineData("arn:aws-cn:kms:cn-north-1:111122223333:key/" + KeyId, "aws-cn", "cn-north-1")]
    [InlineData("arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/" + KeyId, "aws-us-gov", "us-gov-west-1")]
    [InlineData("arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/" + KeyId, "aws-eusc", "eusc-de-east-1")]
    public void Parse_KeyArnInItsRegionsPartition_IsKeyArn(string arn, string partition, string region)
    {
        var id = KeyIdentifier.Parse(arn);

        Assert.Equal(KeyIdentifierKind.KeyArn, id.Kind);
        Assert.Equal(partition, id.Partition);
        Assert.Equal(region, id.Region);
        Assert.Equal("111122223333", id.Account);
        Assert.Equal(KeyId, id.Name);
    }

    [Theory]
    [InlineData("arn:aws-cn:kms:us-east-1:111122223333:key/" + KeyId)]
    [InlineData("arn:aws:kms:cn-north-1:111122223333:key/" + KeyId)]
    [InlineData("arn:aws:kms:us-gov-west-1:111122223333:key/" + KeyId)]
    [InlineData("arn:aws-us-gov:kms:us-east-1:111122223333:key/" + KeyId)]
    [InlineData("arn::kms:us-east-1:111122223333:key/" + KeyId)]
    [InlineData("arn:AWS:kms:us-east-1:111122223333:key/" + KeyId)]
    [InlineData("arn:aws-cn:kms:us-east-1:111122223333:alias/app")]
    public void Parse_ArnWithAnotherPartitionThanItsRegions_IsMalformed(string arn)
    {
        var id = KeyIdentifier.Parse(arn);

        Assert.Equal(KeyIdentifierKind.Malformed, id.Kind);
        Assert.Null(id.Partition);
        Assert.Null(id.Region);
    }

    [Fact]
    public void Parse_AliasArn_CarriesPartitionRegionAndAccount()
    {
        var id = KeyIdentifier.Parse("arn:aws-cn:kms:cn-north-1:111122223333:alias/app");

        Assert.Equal(KeyIdentifierKind.AliasArn, id.Kind);
        Assert.Equal("aws-cn", id.Partition);
        Assert.Equal("cn-north-1", id.Region);
        Assert.Equal("alias/app", id.Name);
    }

    [Fact]
    public void Parse_ArnWhoseRegionIsNoRegionName_LeavesTheRegionToTheCallersCheck()
    {
        // The resolver answers "Invalid arn <region>" for it, as for any region but the caller's.
        var id = KeyIdentifier.Parse("arn:aws:kms:mars:111122223333:key/" + KeyId);

        Assert.Equal(KeyIdentifierKind.KeyArn, id.Kind);
        Assert.Equal("mars", id.Region);
    }

    [Theory]
    [InlineData(KeyId, KeyIdentifierKind.KeyId)]
    [InlineData("alias/app", KeyIdentifierKind.AliasName)]
    public void Parse_NotAnArn_HasNoPartition(string value, KeyIdentifierKind kind)
    {
        var id = KeyIdentifier.Parse(value);

        Assert.Equal(kind, id.Kind);
        Assert.Null(id.Partition);
    }
}
