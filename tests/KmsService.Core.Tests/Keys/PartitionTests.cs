using KmsService.Core.Keys;
using Xunit;

namespace KmsService.Core.Tests.Keys;

public sealed class PartitionTests
{
    // One region of each partition in botocore's data/partitions.json (1.43), and its partition.
    [Theory]
    [InlineData("us-east-1", "aws")]
    [InlineData("eu-central-2", "aws")]
    [InlineData("ap-southeast-7", "aws")]
    [InlineData("mx-central-1", "aws")]
    [InlineData("il-central-1", "aws")]
    [InlineData("cn-north-1", "aws-cn")]
    [InlineData("cn-northwest-1", "aws-cn")]
    [InlineData("us-gov-west-1", "aws-us-gov")]
    [InlineData("us-gov-east-1", "aws-us-gov")]
    [InlineData("us-iso-east-1", "aws-iso")]
    [InlineData("us-isob-east-1", "aws-iso-b")]
    [InlineData("eu-isoe-west-1", "aws-iso-e")]
    [InlineData("us-isof-south-1", "aws-iso-f")]
    [InlineData("eusc-de-east-1", "aws-eusc")]
    public void ForRegion_RegionOfAPartition_ReturnsThatPartition(string region, string partition)
    {
        Assert.True(Partition.IsValidRegion(region));
        Assert.True(Partition.TryForRegion($"[{region}]".AsSpan(1, region.Length), out var found));
        Assert.Equal(partition, found);
        Assert.Equal(partition, Partition.ForRegion(region));
    }

    // What the partition patterns accept beyond today's regions: any \w+ name and number.
    [Theory]
    [InlineData("us-test-42", "aws")]
    [InlineData("us-East_2-1", "aws")]
    [InlineData("cn-south-9", "aws-cn")]
    [InlineData("us-gov-1", "aws")]
    [InlineData("us-iso-1", "aws")]
    public void ForRegion_NameThePatternsAccept_ReturnsTheMatchingPartition(string region, string partition)
    {
        Assert.Equal(partition, Partition.ForRegion(region));
    }

    [Theory]
    [InlineData("us-east-1:111122223333")]
    [InlineData("")]
    [InlineData("US-EAST-1")]
    [InlineData("us_east_1")]
    [InlineData("useast1")]
    [InlineData("local")]
    [InlineData("us-east-1/x")]
    [InlineData("us-east-")]
    [InlineData("xx-east-1")]
    [InlineData("us-east-1 ")]
    [InlineData(" us-east-1")]
    [InlineData("us-east-1\n")]
    [InlineData("us--1")]
    [InlineData("-east-1")]
    [InlineData("us-east-1-")]
    [InlineData("us-éast-1")]
    [InlineData("us-east-١")]
    [InlineData("us-gov-west-1-2")]
    [InlineData("eusc-fr-east-1")]
    [InlineData("aws-global")]
    public void IsValidRegion_NotARegionName_ReturnsFalse(string region)
    {
        Assert.False(Partition.IsValidRegion(region));
        Assert.False(Partition.TryForRegion(region, out var partition));
        Assert.Null(partition);
        Assert.Throws<ArgumentException>(() => Partition.ForRegion(region));
    }
}
