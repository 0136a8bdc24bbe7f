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

    /// <summary>Gives up one reference taken with <see cref="TryAddRef"/>; the last one zeroes the bytes.</summary>
    internal void Release()
    {
        var remaining = Interlocked.Decrement(ref _refCount);
        if (remaining == 0)
        {
            CryptographicOperations.ZeroMemory(_bytes);
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
}
