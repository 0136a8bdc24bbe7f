using KmsService.Storage;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Storage;

public sealed class StoreChangeTests
{
    [Fact]
    public void Payload_RoundTrips()
    {
        StoreChange[] changes =
        [
            StoreChange.Key(TestSeed.SharedKeyArn),
            StoreChange.KeyDeleted(TestSeed.SharedKeyArn),
            StoreChange.Alias("111122223333", "us-east-1", "alias/app:with/odd_chars-1"),
            StoreChange.Grants(TestSeed.SharedKeyArn),
            StoreChange.Identities,
            StoreChange.All,
        ];

        Assert.All(changes, change => Assert.Equal(change, StoreChange.Parse(change.ToPayload())));
    }

    [Fact]
    public void Payload_OfAKey_NamesItsArn()
    {
        Assert.Equal($"key|{TestSeed.SharedKeyArn}", StoreChange.Key(TestSeed.SharedKeyArn).ToPayload());
        Assert.Equal("alias|111122223333|us-east-1|alias/app", StoreChange.Alias("111122223333", "us-east-1", "alias/app").ToPayload());
    }

    [Theory]
    [InlineData("")]
    [InlineData("key")]
    [InlineData("key|")]
    [InlineData("tables|keys")]
    [InlineData("alias|111122223333|us-east-1")]
    public void Parse_UnknownOrMalformedPayload_MeansEverything(string payload)
    {
        Assert.Equal(StoreChange.All, StoreChange.Parse(payload));
    }

    [Fact]
    public void Payload_OverTheNotifyLimit_IsSentAsEverything()
    {
        Assert.Equal("all", StoreChange.Key(new string('k', StoreChange.MaxPayloadBytes)).ToPayload());
    }

    [Fact]
    public void Payload_WithTheSeparatorInAField_IsSentAsEverything()
    {
        Assert.Equal("all", StoreChange.Alias("111122223333", "us-east-1", "alias/a|b").ToPayload());
    }
}
