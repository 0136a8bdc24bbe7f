using System.Buffers;
using System.Text;

namespace KmsService.Core.Auth;

/// <summary>A growable UTF-8 byte buffer on <see cref="ArrayPool{T}"/>, cleared when returned.</summary>
/// <remarks>A mutable struct: keep it in a local (not a <c>using</c> variable) and pass it by <c>ref</c>; call <see cref="Dispose"/> in <c>finally</c>.</remarks>
internal ref struct PooledUtf8Buffer
{
    private byte[] _array;
    private int _length;

    public PooledUtf8Buffer(int capacity)
    {
        _array = ArrayPool<byte>.Shared.Rent(capacity);
        _length = 0;
    }

    /// <summary>Bytes written so far. Setting a smaller value truncates.</summary>
    public int Length
    {
        readonly get => _length;
        set
        {
            ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)value, (uint)_length, nameof(value));
            _length = value;
        }
    }

    public readonly ReadOnlySpan<byte> Written => _array.AsSpan(0, _length);

    public void Byte(byte value)
    {
        if (_length == _array.Length)
        {
            Grow(1);
        }

        _array[_length++] = value;
    }

    public void Utf8(scoped ReadOnlySpan<char> value)
    {
        // Almost everything signed is ASCII; Ascii.FromUtf16 is much cheaper than the general encoder on short text.
        if (_array.Length - _length < value.Length)
        {
            Grow(value.Length);
        }

        if (Ascii.FromUtf16(value, _array.AsSpan(_length), out var written) == OperationStatus.Done)
        {
            _length += written;
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        if (_array.Length - _length < max)
        {
            Grow(max);
        }

        _length += Encoding.UTF8.GetBytes(value, _array.AsSpan(_length));
    }

    /// <summary>Writes <c>%XY</c> with upper-case hex, as SigV4 requires.</summary>
    public void Percent(byte value)
    {
        if (_array.Length - _length < 3)
        {
            Grow(3);
        }

        _array[_length] = (byte)'%';
        _array[_length + 1] = (byte)"0123456789ABCDEF"[value >> 4];
        _array[_length + 2] = (byte)"0123456789ABCDEF"[value & 0xF];
        _length += 3;
    }

    public void Dispose()
    {
        // Canonical requests carry header values such as X-Amz-Security-Token: do not leave them in the pool.
        ArrayPool<byte>.Shared.Return(_array, clearArray: true);
        _array = [];
        _length = 0;
    }

    private void Grow(int needed)
    {
        var next = ArrayPool<byte>.Shared.Rent(Math.Max(_array.Length * 2, _length + needed));
        _array.AsSpan(0, _length).CopyTo(next);
        ArrayPool<byte>.Shared.Return(_array, clearArray: true);
        _array = next;
    }
}
