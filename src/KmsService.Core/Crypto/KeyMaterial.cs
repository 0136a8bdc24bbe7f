using System.Security.Cryptography;

namespace KmsService.Core.Crypto;

/// <summary>The one owner of raw key bytes: a pinned array, reference counted, zeroed when the last reference is released.</summary>
/// <remarks>
/// The creator holds the first reference and gives it up with <see cref="Dispose"/>. Any other user that must keep
/// the bytes alive (a cache hit, the HSA holding its root key) takes one with <see cref="TryAddRef"/> and gives it up
/// with <see cref="Release"/>. The bytes are zeroed only when the count reaches zero, so disposing a cached key
/// while another thread is mid-operation never clears bytes under a running encrypt.
/// </remarks>
public sealed class KeyMaterial : IDisposable
{
    private readonly byte[] _bytes;

    // INVARIANT: _refCount > 0 while the bytes are readable; once it reaches 0 the bytes are zeroed and it never rises again.
    private int _refCount = 1;
    private int _ownerReleased;

    // Keyed HMAC contexts not in use; created on first use. IncrementalHash is not thread-safe: a context is taken
    // out of its slot for the length of one computation.
    private IncrementalHash?[]? _macs;

    private KeyMaterial(int length)
    {
        // Pinned so that the GC never copies key bytes to another place in memory that we could not clear.
        _bytes = GC.AllocateUninitializedArray<byte>(length, pinned: true);
    }

    /// <summary>Number of key bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>The key bytes; valid only while the caller holds a reference.</summary>
    internal ReadOnlySpan<byte> Span
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _refCount) == 0, this);
            return _bytes;
        }
    }

    /// <summary>True when every byte is zero; lets tests see that disposal cleared the array without exporting it.</summary>
    internal bool IsZeroed => !_bytes.AsSpan().ContainsAnyExcept((byte)0);

    /// <summary>Keyed HMAC contexts waiting in the pool; for tests that check zeroing also frees them.</summary>
    internal int PooledMacCount
    {
        get
        {
            var macs = Volatile.Read(ref _macs);
            var count = 0;
            if (macs is not null)
            {
                for (var i = 0; i < macs.Length; i++)
                {
                    count += Volatile.Read(ref macs[i]) is null ? 0 : 1;
                }
            }

            return count;
        }
    }

    /// <summary>Creates key material of <paramref name="length"/> bytes from <see cref="RandomNumberGenerator"/>.</summary>
    internal static KeyMaterial Generate(int length)
    {
        var material = new KeyMaterial(length);
        RandomNumberGenerator.Fill(material._bytes);
        return material;
    }

    /// <summary>Copies <paramref name="source"/> into a new pinned owner; the caller clears its own copy.</summary>
    internal static KeyMaterial CopyFrom(ReadOnlySpan<byte> source)
    {
        var material = new KeyMaterial(source.Length);
        source.CopyTo(material._bytes);
        return material;
    }

    /// <summary>Takes one more reference; false once the bytes have been zeroed.</summary>
    internal bool TryAddRef()
    {
        var current = Volatile.Read(ref _refCount);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _refCount, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>HMAC-SHA256 of <paramref name="message"/> under these bytes as the key, into the first 32 bytes of <paramref name="destination"/>.</summary>
    /// <remarks>The caller must hold a reference. Same bytes as <see cref="HMACSHA256.HashData(ReadOnlySpan{byte}, ReadOnlySpan{byte}, Span{byte})"/>.</remarks>
    internal void HmacSha256(ReadOnlySpan<byte> message, Span<byte> destination)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _refCount) == 0, this);
        var mac = RentMac();
        try
        {
            mac.AppendData(message);
            mac.GetHashAndReset(destination);
        }
        catch
        {
            // A context that failed midway is in an unknown state: free it rather than pool it.
            mac.Dispose();
            throw;
        }

        ReturnMac(mac);
    }

    /// <summary>Gives up one reference taken with <see cref="TryAddRef"/>; the last one zeroes the bytes.</summary>
    internal void Release()
    {
        var remaining = Interlocked.Decrement(ref _refCount);
        if (remaining == 0)
        {
            CryptographicOperations.ZeroMemory(_bytes);
            DrainMacs();
        }
        else if (remaining < 0)
        {
            throw new InvalidOperationException("KeyMaterial was released more often than it was referenced.");
        }
    }

    /// <summary>Gives up the creator's reference (once); the bytes are zeroed when no other reference remains.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _ownerReleased, 1) == 0)
        {
            Release();
        }
    }

    private IncrementalHash RentMac()
    {
        var macs = Volatile.Read(ref _macs);
        if (macs is not null)
        {
            // Start at a slot chosen by thread so that threads rarely contend for the same one.
            var start = Environment.CurrentManagedThreadId % macs.Length;
            for (var i = 0; i < macs.Length; i++)
            {
                var index = (start + i) % macs.Length;
                if (Volatile.Read(ref macs[index]) is not null && Interlocked.Exchange(ref macs[index], null) is { } mac)
                {
                    return mac;
                }
            }
        }

        return IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _bytes);
    }

    private void ReturnMac(IncrementalHash mac)
    {
        var macs = Volatile.Read(ref _macs);
        if (macs is null)
        {
            // About as many contexts as threads that can run at once; more are freed after use.
            var created = new IncrementalHash?[Math.Clamp(2 * Environment.ProcessorCount, 4, 64)];
            macs = Interlocked.CompareExchange(ref _macs, created, null) ?? created;
        }

        var start = Environment.CurrentManagedThreadId % macs.Length;
        for (var i = 0; i < macs.Length; i++)
        {
            var index = (start + i) % macs.Length;
            if (Interlocked.CompareExchange(ref macs[index], mac, null) is null)
            {
                // INVARIANT: no context stays pooled once the bytes are zeroed. A return racing with the last
                // Release lands after its drain only if the count is already zero, which this check sees.
                if (Volatile.Read(ref _refCount) == 0)
                {
                    DrainMacs();
                }

                return;
            }
        }

        mac.Dispose();
    }

    private void DrainMacs()
    {
        var macs = Volatile.Read(ref _macs);
        if (macs is null)
        {
            return;
        }

        for (var i = 0; i < macs.Length; i++)
        {
            Interlocked.Exchange(ref macs[i], null)?.Dispose();
        }
    }
}
