using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class PublicRandomTests
{
    [Fact]
    public void Fill_ManyDraws_NeverRepeatsAndCrossesBlocks()
    {
        // 28 bytes is what Encrypt draws (nonce and IV); 2000 draws cross many 4 KiB blocks.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var draw = new byte[28];
        for (var i = 0; i < 2000; i++)
        {
            PublicRandom.Fill(draw);
            Assert.True(seen.Add(Convert.ToHexString(draw)));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(512)]
    [InlineData(513)]
    [InlineData(10_000)]
    public void Fill_AnyLength_FillsWithoutError(int length)
    {
        var buffer = new byte[length];

        PublicRandom.Fill(buffer);

        // Not a randomness test: only that long fills are not all zero.
        Assert.True(length < 64 || buffer.AsSpan().ContainsAnyExcept((byte)0));
    }

    [Fact]
    public void NewGuid_IsVersion4Rfc9562AndUnique()
    {
        var seen = new HashSet<Guid>();
        for (var i = 0; i < 1000; i++)
        {
            var id = PublicRandom.NewGuid();
            Assert.Equal(4, id.Version);
            Assert.Equal(0b10, id.Variant >> 2);
            Assert.True(seen.Add(id));
        }
    }

    [Fact]
    public async Task Fill_FromManyThreads_NeverRepeats()
    {
        var draws = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            var local = new List<string>();
            var draw = new byte[28];
            for (var i = 0; i < 500; i++)
            {
                PublicRandom.Fill(draw);
                local.Add(Convert.ToHexString(draw));
            }

            return local;
        }, TestContext.Current.CancellationToken)));

        var all = draws.SelectMany(d => d).ToList();
        Assert.Equal(all.Count, all.Distinct(StringComparer.Ordinal).Count());
    }
}
