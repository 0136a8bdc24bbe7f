using System.Buffers;
using System.Security.Cryptography;

namespace KmsService.Protocol;

/// <summary>A growable byte buffer on pooled arrays that zeroes each array before returning it to the pool, for request
/// and response bodies that may hold plaintext, data keys or random bytes.</summary>
internal sealed class ZeroingBufferWriter : IBufferWriter<byte>, IDisposable
{
    /// <summary>Enough for the JSON of most responses without growing (an Encrypt response for 1 KiB of plaintext).</summary>
    public const int DefaultCapacity = 2048;

    private readonly ArrayPool<byte> _pool;
    private byte[]? _array;
    private int _written;

    public ZeroingBufferWriter(int capacity = DefaultCapacity, ArrayPool<byte>? pool = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        _pool = pool ?? ArrayPool<byte>.Shared;
        _array = _pool.Rent(capacity);
    }

    public int WrittenCount => _written;

    public ReadOnlyMemory<byte> WrittenMemory => Array.AsMemory(0, _written);

    public ReadOnlySpan<byte> WrittenSpan => Array.AsSpan(0, _written);

    private byte[] Array => _array ?? throw new ObjectDisposedException(nameof(ZeroingBufferWriter));

    public void Advance(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, Array.Length - _written);
        _written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Reserve(sizeHint).AsMemory(_written);

    public Span<byte> GetSpan(int sizeHint = 0) => Reserve(sizeHint).AsSpan(_written);

    /// <summary>Zeroes the array and returns it to the pool; the written bytes are gone.</summary>
    public void Dispose()
    {
        if (_array is { } array)
        {
            _array = null;
            _written = 0;
            Release(array);
        }
    }

    private byte[] Reserve(int sizeHint)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sizeHint);
        var array = Array;
        var needed = Math.Max(sizeHint, 1);
        if (array.Length - _written >= needed)
        {
            return array;
        }

        var grown = _pool.Rent(Math.Max(checked(_written + needed), checked(array.Length * 2)));
        array.AsSpan(0, _written).CopyTo(grown);
        _array = grown;
        Release(array);
        return grown;
    }

    private void Release(byte[] array)
    {
        // The whole array, not only the written part: a writer that failed may have filled more of the span it was
        // given than it advanced over.
        CryptographicOperations.ZeroMemory(array);
        if (array.Length > 0)
        {
            _pool.Return(array);
        }
    }
}
