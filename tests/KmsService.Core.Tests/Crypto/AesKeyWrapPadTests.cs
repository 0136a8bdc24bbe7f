using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>AES key wrap with padding against the known-answer vectors of RFC 5649 §6.</summary>
public sealed class AesKeyWrapPadTests
{
    private static readonly byte[] Kek = Convert.FromHexString("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8");

    [Theory]
    [InlineData("c37b7e6492584340bed122078089411550 68f738", "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a")]
    [InlineData("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f")]
    public void WrapAndUnwrap_MatchRfc5649Vectors(string keyHex, string wrappedHex)
    {
        var key = Convert.FromHexString(keyHex.Replace(" ", "", StringComparison.Ordinal));
        var wrapped = Convert.FromHexString(wrappedHex);

        Assert.Equal(wrapped, AesKeyWrapPad.Wrap(Kek, key));
        Assert.True(AesKeyWrapPad.TryUnwrap(Kek, wrapped, out var unwrapped));
        Assert.Equal(key, unwrapped);
    }

    [Fact]
    public void TryUnwrap_AlteredOrMalformedOrUnderAnotherKey_ReturnsFalse()
    {
        var wrapped = Convert.FromHexString("afbeb0f07dfbf5419200f2ccb50bb24f");
        for (var i = 0; i < wrapped.Length; i++)
        {
            var altered = (byte[])wrapped.Clone();
            altered[i] ^= 0x01;
            Assert.False(AesKeyWrapPad.TryUnwrap(Kek, altered, out _));
        }

        Assert.False(AesKeyWrapPad.TryUnwrap(Kek, wrapped.AsSpan(0, 15), out _));
        Assert.False(AesKeyWrapPad.TryUnwrap(Kek, [.. wrapped, 0], out _));
        Assert.False(AesKeyWrapPad.TryUnwrap(new byte[24], wrapped, out _));
        Assert.False(AesKeyWrapPad.TryUnwrap(new byte[20], wrapped, out _));
    }
}
