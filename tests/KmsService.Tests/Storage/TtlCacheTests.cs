using System.Globalization;
using KmsService.Hosting;
using KmsService.Storage;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Storage;

public sealed class TtlCacheTests
{
    private readonly FakeTimeProvider _clock = new();
    private readonly TtlCache<string, string> _cache;

    public TtlCacheTests() => _cache = new(_clock, TimeSpan.FromSeconds(1), 100);

    [Fact]
    public void TrySet_WithNoInvalidationSinceTheRead_Caches()
    {
        var fill = _cache.StartFill();

        Assert.True(_cache.TrySet("k", "v", TimeSpan.FromSeconds(30), fill));
        Assert.True(_cache.TryGet("k", out var value));
        Assert.Equal("v", value);
    }

    [Fact]
    public void TrySet_AfterAnInvalidationDuringTheRead_DropsTheValue()
    {
        // A read starts, the row changes and is invalidated, then the read tries to cache what it saw before.
        var fill = _cache.StartFill();
        _cache.Remove("k");

        Assert.False(_cache.TrySet("k", "stale", TimeSpan.FromSeconds(30), fill));
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void TrySet_AfterAClearDuringTheRead_DropsTheValue()
    {
        var fill = _cache.StartFill();
        _cache.Clear();

        Assert.False(_cache.TrySet("k", "stale", TimeSpan.FromSeconds(30), fill));
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void Set_BeyondTheWeightBound_EmptiesTheCache()
    {
        // Values weigh their length; at most 10 in all. A heavy value pushes out what was there, never more.
        var cache = new TtlCache<string, string>(_clock, TimeSpan.FromSeconds(30), 100, v => v.Length, maxWeight: 10);
        cache.Set("a", "1234");
        cache.Set("b", "1234");
        Assert.True(cache.TryGet("a", out _) && cache.TryGet("b", out _));

        cache.Set("c", "1234");
        Assert.False(cache.TryGet("a", out _));
        Assert.False(cache.TryGet("b", out _));
        Assert.True(cache.TryGet("c", out _));

        cache.Clear();
        cache.Set("d", "12345");
        cache.Set("e", "12345");
        Assert.True(cache.TryGet("d", out _) && cache.TryGet("e", out _));

        // Replacing or removing an entry gives its weight back: refreshing the same keys never empties the cache.
        for (var i = 0; i < 100; i++)
        {
            cache.Set("d", "12345");
            cache.Remove("e");
            cache.Set("e", "12345");
        }

        Assert.True(cache.TryGet("d", out _) && cache.TryGet("e", out _));
    }

    [Fact]
    public void TrySet_KeepsTheValueForTheGivenTime()
    {
        _cache.TrySet("k", "v", TimeSpan.FromSeconds(30), _cache.StartFill());

        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.True(_cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void Set_UsesTheCacheTimeToLive()
    {
        _cache.Set("k", "v");

        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(_cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void TryGet_WithAFeed_ServesAnEntryOlderThanASecondOnlyWhileAHeartbeatCameBackWithinTheLastSecond()
    {
        var feed = new ChangeFeed("Host=unused", new CacheOptions { KeyTtlSeconds = 30 }, _clock);
        var cache = new TtlCache<string, string>(_clock, TimeSpan.FromSeconds(1), 100, feed: feed);
        var fill = cache.StartFill();
        _clock.Advance(TimeSpan.FromMilliseconds(10));
        cache.TrySet("k", "v", TimeSpan.FromSeconds(30), fill);

        // No heartbeat yet: trusted for a second from the start of the read, not from the fill.
        _clock.Advance(TimeSpan.FromMilliseconds(989));
        Assert.True(cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(cache.TryGet("k", out _));

        // A heartbeat sent now came back: trusted for one more second, then not until the next one.
        feed.Confirm(_clock.GetTimestamp());
        Assert.True(feed.IsFresh);
        Assert.True(cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromMilliseconds(999));
        Assert.True(cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.False(feed.IsFresh);
        Assert.False(cache.TryGet("k", out _));

        // Confirmed again, it is served up to its time to live and never after.
        _clock.Advance(TimeSpan.FromSeconds(27));
        feed.Confirm(_clock.GetTimestamp());
        Assert.True(cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromSeconds(1));
        feed.Confirm(_clock.GetTimestamp());
        Assert.False(cache.TryGet("k", out _));
    }

    [Fact]
    public void Confirm_WithAnOlderHeartbeat_KeepsTheNewerConfirmation()
    {
        var feed = new ChangeFeed("Host=unused", new CacheOptions(), _clock);
        var early = _clock.GetTimestamp();
        _clock.Advance(TimeSpan.FromMilliseconds(900));
        feed.Confirm(_clock.GetTimestamp());
        feed.Confirm(early);

        _clock.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(feed.IsFresh);
    }

    [Fact]
    public async Task TrySet_RacingInvalidations_NeverLeavesAValueReadBeforeTheLastInvalidation()
    {
        // Writers bump a version and then invalidate; readers take the generation, read the version and fill. Once
        // everyone is done, whatever is cached must be the last version.
        var version = 0;
        var writing = 1;
        var writer = Task.Run(() =>
        {
            for (var i = 0; i < 200_000; i++)
            {
                Interlocked.Increment(ref version);
                _cache.Remove("k");
            }

            Volatile.Write(ref writing, 0);
        }, TestContext.Current.CancellationToken);
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            while (Volatile.Read(ref writing) == 1)
            {
                var fill = _cache.StartFill();
                var read = Volatile.Read(ref version);
                _cache.TrySet("k", read.ToString(CultureInfo.InvariantCulture), TimeSpan.FromHours(1), fill);
            }
        }, TestContext.Current.CancellationToken)).ToList();
        await Task.WhenAll([writer, .. readers]);

        if (_cache.TryGet("k", out var cached))
        {
            Assert.Equal(Volatile.Read(ref version).ToString(CultureInfo.InvariantCulture), cached);
        }
    }

    [Fact]
    public void TryGetStale_WithinMaxStalenessPastExpiry_ServesTheEntry()
    {
        _cache.Set("k", "v");
        _clock.Advance(TimeSpan.FromSeconds(1) + TimeSpan.FromSeconds(10));

        Assert.False(_cache.TryGet("k", out _));
        Assert.True(_cache.TryGetStale("k", TimeSpan.FromSeconds(10), out var value));
        Assert.Equal("v", value);
    }

    [Fact]
    public void TryGetStale_BeyondMaxStaleness_MissesTheEntry()
    {
        _cache.Set("k", "v");
        _clock.Advance(TimeSpan.FromSeconds(12));

        Assert.False(_cache.TryGetStale("k", TimeSpan.FromSeconds(10), out _));
    }

    [Fact]
    public void ExpireAll_ExpiresNowButKeepsForTheStaleFallback()
    {
        Assert.True(_cache.TrySet("k", "v", TimeSpan.FromHours(1), _cache.StartFill()));

        _cache.ExpireAll();

        Assert.False(_cache.TryGet("k", out _));
        _clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(_cache.TryGetStale("k", TimeSpan.FromSeconds(5), out var value));
        Assert.Equal("v", value);

        // Staleness counts from the ExpireAll, not from the hour the entry was cached for.
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(_cache.TryGetStale("k", TimeSpan.FromSeconds(5), out _));
    }

    [Fact]
    public void TrySet_AfterAnExpireAllDuringTheRead_IsNotServedFresh()
    {
        var fill = _cache.StartFill();
        _cache.ExpireAll();

        Assert.False(_cache.TrySet("k", "v", TimeSpan.FromSeconds(30), fill));
        Assert.False(_cache.TryGet("k", out _));
    }

    [Fact]
    public void RemoveAndClear_DropTheStaleFallbackToo()
    {
        _cache.Set("removed", "v");
        _cache.Set("cleared", "v");

        _cache.Remove("removed");
        Assert.False(_cache.TryGetStale("removed", TimeSpan.FromHours(1), out _));

        _cache.Clear();
        Assert.False(_cache.TryGetStale("cleared", TimeSpan.FromHours(1), out _));
    }
}
