using System.Buffers;
using KmsService.Protocol;

namespace KmsService.Tests.Protocol;

/// <summary>The buffer the request and response bodies go through: every array it gives back to the pool is zero.</summary>
public sealed class ZeroingBufferWriterTests
{
    [Fact]
    public void Growth_ZeroesTheOutgrownArrayAndKeepsTheWrittenBytes()
    {
        var pool = new RecordingPool();
        using var writer = new ZeroingBufferWriter(16, pool);
        Fill(writer, 16, 0xAA);

        Fill(writer, 100, 0xBB);

        var outgrown = Assert.Single(pool.Returned);
        Assert.Equal(16, outgrown.Length);
        Assert.All(outgrown, b => Assert.Equal(0, b));
        Assert.Equal(116, writer.WrittenCount);
        Assert.All(writer.WrittenSpan[..16].ToArray(), b => Assert.Equal(0xAA, b));
        Assert.All(writer.WrittenSpan[16..].ToArray(), b => Assert.Equal(0xBB, b));
    }

    [Fact]
    public void Dispose_ZeroesTheWholeArray_AlsoWhatWasNotAdvancedOver()
    {
        var pool = new RecordingPool();
        var writer = new ZeroingBufferWriter(64, pool);
        Fill(writer, 10, 0xCC);

        // A writer that failed between writing into its span and advancing.
        writer.GetSpan(20)[..20].Fill(0xDD);
        writer.Dispose();

        var returned = Assert.Single(pool.Returned);
        Assert.Equal(64, returned.Length);
        Assert.All(returned, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => writer.GetSpan());
    }

    [Fact]
    public void Dispose_Twice_ReturnsTheArrayOnce()
    {
        var pool = new RecordingPool();
        var writer = new ZeroingBufferWriter(32, pool);

        writer.Dispose();
        writer.Dispose();

        Assert.Single(pool.Returned);
    }

    [Fact]
    public void Advance_BeyondTheSpanGiven_Throws()
    {
        using var writer = new ZeroingBufferWriter(16, new RecordingPool());
        var length = writer.GetSpan().Length;

        Assert.Throws<ArgumentOutOfRangeException>(() => writer.Advance(length + 1));
    }

    private static void Fill(ZeroingBufferWriter writer, int count, byte value)
    {
        writer.GetSpan(count)[..count].Fill(value);
        writer.Advance(count);
    }

    /// <summary>A pool of exact-size arrays that keeps every array returned to it, to look at afterwards.</summary>
    private sealed class RecordingPool : ArrayPool<byte>
    {
        public List<byte[]> Returned { get; } = [];

        public override byte[] Rent(int minimumLength)
        {
            // Not zeroed, as a shared pool's arrays are not.
            var array = new byte[minimumLength];
            array.AsSpan().Fill(0x5A);
            return array;
        }

        public override void Return(byte[] array, bool clearArray = false) => Returned.Add(array);
    }
}
