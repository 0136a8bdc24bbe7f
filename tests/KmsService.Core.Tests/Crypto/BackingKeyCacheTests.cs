using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class BackingKeyCacheTests : IDisposable
{
    private static readonly TimeSpan TimeToLive = TimeSpan.FromMinutes(5);

    private readonly ManualTimeProvider _time = new();
    private readonly SoftwareHsa _hsa;
    private readonly WrappedBackingKey _backingKey;

    public BackingKeyCacheTests()
    {
        _hsa = TestKeys.NewHsa(_time);
        _backingKey = _hsa.GenerateBackingKey(TestKeys.KeyArn);
    }

    public void Dispose() => _hsa.Dispose();

    [Fact]
    public void Encrypt_RepeatedWithinTimeToLive_UnwrapsOnce()
    {
        for (var i = 0; i < 5; i++)
        {
            Encrypt(_hsa, _backingKey);
            _time.Advance(TimeSpan.FromMinutes(1) - TimeSpan.FromTicks(1));
        }

        Assert.Equal(1, _hsa.UnwrapCount);
        Assert.Equal(1, _hsa.Cache.Count);
    }

    [Fact]
    public void Encrypt_AfterTimeToLive_UnwrapsAgainAndZeroesExpiredMaterial()
    {
        Encrypt(_hsa, _backingKey);
        var first = _hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId)!;

        _time.Advance(TimeToLive - TimeSpan.FromTicks(1));
        Encrypt(_hsa, _backingKey);
        Assert.Equal(1, _hsa.UnwrapCount);

        _time.Advance(TimeSpan.FromTicks(1));
        Encrypt(_hsa, _backingKey);

        Assert.Equal(2, _hsa.UnwrapCount);
        Assert.True(first.IsZeroed);
        Assert.NotSame(first, _hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId));
    }

    [Fact]
    public void Encrypt_ExpiredBetweenSweeps_UnwrapsAgainOnLookup()
    {
        // TTL 5.5 min, sweep every minute: at 5.5 min the entry has expired but no sweep has removed it yet.
        using var hsa = TestKeys.NewHsa(_time, new SoftwareHsaOptions { CacheTimeToLive = TimeSpan.FromSeconds(330) });
        var key = hsa.GenerateBackingKey(TestKeys.KeyArn);
        Encrypt(hsa, key);
        var first = hsa.Cache.Peek(TestKeys.KeyArn, key.MaterialId)!;

        _time.Advance(TimeSpan.FromSeconds(330));
        Assert.Same(first, hsa.Cache.Peek(TestKeys.KeyArn, key.MaterialId));
        Encrypt(hsa, key);

        Assert.Equal(2, hsa.UnwrapCount);
        Assert.True(first.IsZeroed);
    }

    [Fact]
    public void SweepTimer_AfterTimeToLiveWithoutUse_ZeroesAndDropsMaterial()
    {
        Encrypt(_hsa, _backingKey);
        var cached = _hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId)!;

        // The sweep runs every min(TTL / 4, 1 minute); one period after expiry it must have run.
        _time.Advance(TimeToLive + TimeSpan.FromMinutes(1));

        Assert.True(cached.IsZeroed);
        Assert.Equal(0, _hsa.Cache.Count);
        Assert.Null(_hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId));
    }

    [Fact]
    public void Evict_KeyArn_ZeroesItsMaterialAndKeepsOtherKeys()
    {
        var other = _hsa.GenerateBackingKey(TestKeys.OtherKeyArn);
        var rotated = _hsa.GenerateBackingKey(TestKeys.KeyArn);
        Encrypt(_hsa, _backingKey);
        Encrypt(_hsa, rotated);
        Encrypt(_hsa, other, TestKeys.OtherKeyArn);
        var mine = _hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId)!;
        var mineRotated = _hsa.Cache.Peek(TestKeys.KeyArn, rotated.MaterialId)!;
        var theirs = _hsa.Cache.Peek(TestKeys.OtherKeyArn, other.MaterialId)!;

        _hsa.Evict(TestKeys.KeyArn);

        Assert.True(mine.IsZeroed);
        Assert.True(mineRotated.IsZeroed);
        Assert.False(theirs.IsZeroed);
        Assert.Equal(1, _hsa.Cache.Count);
        Encrypt(_hsa, _backingKey);
        Assert.Equal(4, _hsa.UnwrapCount);
    }

    [Fact]
    public void Evict_WhileOperationHoldsMaterial_ZeroesOnlyAfterRelease()
    {
        Encrypt(_hsa, _backingKey);
        var held = _hsa.Cache.TryAcquire(TestKeys.KeyArn, _backingKey.MaterialId)!;
        var before = held.Span.ToArray();

        _hsa.Evict(TestKeys.KeyArn);

        Assert.False(held.IsZeroed);
        Assert.Equal(before, held.Span.ToArray());
        held.Release();
        Assert.True(held.IsZeroed);
    }

    [Fact]
    public void TryAdd_AfterEvictionThatRanDuringUnwrap_DropsAndZeroesEntry()
    {
        // An operation read the epoch, then a key deletion evicted, then the operation finished unwrapping and adds.
        var epoch = _hsa.Cache.EvictionEpoch;
        _hsa.Evict(TestKeys.KeyArn);
        var material = KeyMaterial.Generate(32);

        Assert.True(_hsa.Cache.TryAdd(TestKeys.KeyArn, _backingKey.MaterialId, material, epoch));

        Assert.Null(_hsa.Cache.Peek(TestKeys.KeyArn, _backingKey.MaterialId));
        Assert.True(material.IsZeroed);
        Assert.Equal(0, _hsa.Cache.Count);
    }

    [Fact]
    public void Encrypt_MoreKeysThanMaxEntries_CachesUpToBoundAndStillWorks()
    {
        using var hsa = TestKeys.NewHsa(_time, new SoftwareHsaOptions { MaxCachedKeys = 2 });
        var keys = Enumerable.Range(0, 3).Select(_ => hsa.GenerateBackingKey(TestKeys.KeyArn)).ToArray();

        foreach (var key in keys)
        {
            Encrypt(hsa, key);
        }

        Encrypt(hsa, keys[2]);

        Assert.Equal(2, hsa.Cache.Count);
        Assert.Equal(4, hsa.UnwrapCount);
    }

    [Fact]
    public void Encrypt_ZeroTimeToLive_NeverCaches()
    {
        using var hsa = TestKeys.NewHsa(_time, new SoftwareHsaOptions { CacheTimeToLive = TimeSpan.Zero });
        var key = hsa.GenerateBackingKey(TestKeys.KeyArn);

        Encrypt(hsa, key);
        Encrypt(hsa, key);

        Assert.Equal(0, hsa.Cache.Count);
        Assert.Equal(2, hsa.UnwrapCount);
    }

    [Fact]
    public void Dispose_Hsa_ZeroesCachedMaterial()
    {
        var hsa = TestKeys.NewHsa(_time);
        var key = hsa.GenerateBackingKey(TestKeys.KeyArn);
        Encrypt(hsa, key);
        var cached = hsa.Cache.Peek(TestKeys.KeyArn, key.MaterialId)!;

        hsa.Dispose();

        Assert.True(cached.IsZeroed);
    }

    [Fact]
    public async Task EncryptDecrypt_ConcurrentWithEvictionAndExpiry_AlwaysRoundTrips()
    {
        var context = TestKeys.Context(("k", "v"));
        var plaintext = "concurrent"u8.ToArray();
        var keys = Enumerable.Range(0, 4).Select(_ => _hsa.GenerateBackingKey(TestKeys.KeyArn)).ToArray();
        using var stop = new CancellationTokenSource();

        var churn = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                _hsa.Evict(TestKeys.KeyArn);
                _time.Advance(TimeSpan.FromMinutes(3));
            }
        }, TestContext.Current.CancellationToken);

        Parallel.For(0, 4000, i =>
        {
            var key = keys[i % keys.Length];
            var blob = _hsa.Encrypt(TestKeys.KeyArn, key, plaintext, context);
            Assert.Equal(plaintext, _hsa.Decrypt(TestKeys.KeyArn, key, blob, context));
        });

        await stop.CancelAsync();
        await churn;
        Assert.InRange(_hsa.Cache.Count, 0, keys.Length);
    }

    private static void Encrypt(SoftwareHsa hsa, WrappedBackingKey key, string keyArn = TestKeys.KeyArn) =>
        hsa.Encrypt(keyArn, key, "x"u8, EncryptionContext.Empty);
}
