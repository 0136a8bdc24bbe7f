using System.Security.Cryptography;
using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

public sealed class KeyMaterialTests
{
    [Fact]
    public void Dispose_WithNoOtherReference_ZeroesBytes()
    {
        var material = KeyMaterial.CopyFrom(TestKeys.Sequence(1, 32));
        Assert.False(material.IsZeroed);

        material.Dispose();

        Assert.True(material.IsZeroed);
    }

    [Fact]
    public void Span_AfterDispose_ThrowsObjectDisposed()
    {
        var material = KeyMaterial.Generate(32);

        material.Dispose();

        Assert.Throws<ObjectDisposedException>(() => material.Span.Length);
    }

    [Fact]
    public void Dispose_WhileReferenceHeld_KeepsBytesUntilRelease()
    {
        var bytes = TestKeys.Sequence(1, 32);
        var material = KeyMaterial.CopyFrom(bytes);
        Assert.True(material.TryAddRef());

        material.Dispose();

        Assert.False(material.IsZeroed);
        Assert.Equal(bytes, material.Span.ToArray());

        material.Release();

        Assert.True(material.IsZeroed);
        Assert.Throws<ObjectDisposedException>(() => material.Span.Length);
    }

    [Fact]
    public void TryAddRef_AfterZeroed_ReturnsFalse()
    {
        var material = KeyMaterial.Generate(32);
        material.Dispose();

        Assert.False(material.TryAddRef());
    }

    [Fact]
    public void Dispose_CalledTwice_ReleasesCreatorReferenceOnce()
    {
        var material = KeyMaterial.CopyFrom(TestKeys.Sequence(1, 32));
        Assert.True(material.TryAddRef());

        material.Dispose();
        material.Dispose();

        Assert.False(material.IsZeroed);
        material.Release();
        Assert.True(material.IsZeroed);
    }

    [Fact]
    public void Release_MoreThanReferenced_Throws()
    {
        var material = KeyMaterial.Generate(32);
        material.Dispose();

        Assert.Throws<InvalidOperationException>(material.Release);
    }

    [Fact]
    public async Task TryAddRef_RacingWithLastRelease_NeverReadsZeroedBytes()
    {
        for (var round = 0; round < 200; round++)
        {
            var bytes = TestKeys.Sequence(round + 1, 32);
            var material = KeyMaterial.CopyFrom(bytes);
            var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            {
                for (var i = 0; i < 100; i++)
                {
                    if (!material.TryAddRef())
                    {
                        return;
                    }

                    try
                    {
                        Assert.Equal(bytes, material.Span.ToArray());
                    }
                    finally
                    {
                        material.Release();
                    }
                }
            }, TestContext.Current.CancellationToken)).ToArray();

            material.Dispose();
            await Task.WhenAll(readers);

            Assert.True(material.IsZeroed);
        }
    }

    [Fact]
    public void HmacSha256_RepeatedOnPooledContext_MatchesOneShotHmac()
    {
        var key = TestKeys.Sequence(0x40, 32);
        using var material = KeyMaterial.CopyFrom(key);
        var mac = new byte[32];

        for (var length = 0; length < 80; length++)
        {
            var message = TestKeys.Sequence(length, length);
            material.HmacSha256(message, mac);

            Assert.Equal(HMACSHA256.HashData(key, message), mac);
        }

        Assert.InRange(material.PooledMacCount, 1, 64);
    }

    [Fact]
    public void HmacSha256_ThenLastRelease_FreesPooledContexts()
    {
        var material = KeyMaterial.CopyFrom(TestKeys.Sequence(1, 32));
        Assert.True(material.TryAddRef());
        material.HmacSha256("message"u8, new byte[32]);
        material.Dispose();
        Assert.Equal(1, material.PooledMacCount);

        material.Release();

        Assert.True(material.IsZeroed);
        Assert.Equal(0, material.PooledMacCount);
    }

    [Fact]
    public async Task HmacSha256_ConcurrentCallers_AllMatchOneShotHmac()
    {
        var key = TestKeys.Sequence(7, 32);
        using var material = KeyMaterial.CopyFrom(key);
        var workers = Enumerable.Range(0, 8).Select(worker => Task.Run(() =>
        {
            var mac = new byte[32];
            for (var i = 0; i < 500; i++)
            {
                var message = TestKeys.Sequence(worker * 31 + i, 46);
                material.HmacSha256(message, mac);
                Assert.Equal(HMACSHA256.HashData(key, message), mac);
            }
        }, TestContext.Current.CancellationToken)).ToArray();

        await Task.WhenAll(workers);
    }
}
