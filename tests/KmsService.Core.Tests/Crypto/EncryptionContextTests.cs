using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class EncryptionContextTests
{
    [Fact]
    public void From_Null_IsEmptyWithZeroCount()
    {
        var context = EncryptionContext.From(null);

        Assert.Same(EncryptionContext.Empty, context);
        Assert.Equal(new byte[4], context.Canonical.ToArray());
    }

    [Fact]
    public void From_EmptyDictionary_IsEmpty()
    {
        Assert.Same(EncryptionContext.Empty, EncryptionContext.From(new Dictionary<string, string>()));
    }

    [Fact]
    public void Canonical_TwoPairs_IsCountThenSortedLengthPrefixedUtf8()
    {
        var context = TestKeys.Context(("purpose", "test"), ("app", "kat"));

        // [2] | [3]"app" [3]"kat" | [7]"purpose" [4]"test", all lengths 4-byte big-endian.
        Assert.Equal(
            Convert.FromHexString("0000000200000003617070000000036b617400000007707572706f73650000000474657374"),
            context.Canonical.ToArray());
        Assert.Equal(2, context.Count);
    }

    [Fact]
    public void Canonical_PairsInOtherOrder_AreIdentical()
    {
        var a = TestKeys.Context(("a", "1"), ("b", "2"), ("c", "3"));
        var b = TestKeys.Context(("c", "3"), ("a", "1"), ("b", "2"));

        Assert.Equal(a.Canonical.ToArray(), b.Canonical.ToArray());
    }

    [Fact]
    public void Canonical_Keys_SortOrdinally()
    {
        // Ordinal: "B" (0x42) sorts before "a" (0x61); a culture-aware sort would put "a" first.
        var context = TestKeys.Context(("a", "x"), ("B", "y"));

        Assert.Equal(Convert.FromHexString("00000002" + "00000001" + "42" + "00000001" + "79" + "00000001" + "61" + "00000001" + "78"),
            context.Canonical.ToArray());
    }

    [Theory]
    [InlineData("ab", "c", "a", "bc")]
    [InlineData("a", "x", "A", "x")]
    [InlineData("a", "x", "a", "x ")]
    [InlineData("k", "é", "k", "e\u0301")]
    public void Canonical_DifferentPairs_Differ(string key1, string value1, string key2, string value2)
    {
        var a = TestKeys.Context((key1, value1));
        var b = TestKeys.Context((key2, value2));

        Assert.NotEqual(a.Canonical.ToArray(), b.Canonical.ToArray());
    }

    [Fact]
    public void Canonical_NonAsciiText_IsUtf8()
    {
        var context = TestKeys.Context(("ключ", "値"));

        Assert.Equal(Convert.FromHexString("00000001" + "00000008" + "d0bad0bbd18ed187" + "00000003" + "e580a4"), context.Canonical.ToArray());
    }

    [Fact]
    public void From_LoneSurrogate_ThrowsArgumentException()
    {
        var ex = Assert.Throws<ArgumentException>(() => TestKeys.Context(("k", "\ud800")));

        Assert.Equal("pairs", ex.ParamName);
    }
}
