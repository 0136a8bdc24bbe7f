using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class KeyMaterialIdTests
{
    [Fact]
    public void Compute_FixedMaterial_IsHmacSha256OfLabelInLowercaseHex()
    {
        // HMAC-SHA256(key: 0x40..0x5f, data: "KmsService key material id v1"), computed with Python's hmac module.
        var id = KeyMaterialId.Compute(TestKeys.Sequence(0x40, 32));

        Assert.Equal("661f699964fd2625c9e920503ffd5a3bbd81e02d8c56d368ad2e095726ac1b3f", id);
        Assert.True(KeyMaterialId.IsValid(id));
    }

    [Fact]
    public void ImportBackingKey_SameMaterialUnderDifferentRootKeys_GivesSameId()
    {
        var material = TestKeys.Sequence(0x40, 32);
        using var first = TestKeys.NewHsa();
        using var second = TestKeys.NewHsa();

        var a = first.ImportBackingKey(TestKeys.KeyArn, material);
        var b = second.ImportBackingKey(TestKeys.KeyArn, material);

        Assert.Equal(a.MaterialId, b.MaterialId);
        Assert.NotEqual(a.Wrapped, b.Wrapped);
    }

    [Fact]
    public void GenerateBackingKey_TwoCalls_GiveDifferentIds()
    {
        using var hsa = TestKeys.NewHsa();

        var a = hsa.GenerateBackingKey(TestKeys.KeyArn);
        var b = hsa.GenerateBackingKey(TestKeys.KeyArn);

        Assert.NotEqual(a.MaterialId, b.MaterialId);
        Assert.True(KeyMaterialId.IsValid(a.MaterialId));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("661f699964fd2625c9e920503ffd5a3bbd81e02d8c56d368ad2e095726ac1b3")]
    [InlineData("661f699964fd2625c9e920503ffd5a3bbd81e02d8c56d368ad2e095726ac1b3f0")]
    [InlineData("661F699964FD2625C9E920503FFD5A3BBD81E02D8C56D368AD2E095726AC1B3F")]
    [InlineData("g61f699964fd2625c9e920503ffd5a3bbd81e02d8c56d368ad2e095726ac1b3f")]
    public void IsValid_Malformed_ReturnsFalse(string? id)
    {
        Assert.False(KeyMaterialId.IsValid(id));
    }
}
