using System.Buffers.Binary;
using System.Text;

namespace KmsService.Core.Crypto;

/// <summary>An immutable encryption context in the canonical byte form that is bound to a ciphertext as associated data.</summary>
/// <remarks>
/// Canonical form: 4-byte big-endian pair count, then for each pair in ordinal key order the key and the value,
/// each as a 4-byte big-endian length and its UTF-8 bytes. The order of input pairs does not matter; every byte does.
/// </remarks>
public sealed class EncryptionContext
{
    // Strict: a lone surrogate would otherwise become U+FFFD and two different contexts would share one canonical form.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly byte[] _canonical;

    private EncryptionContext(byte[] canonical, int count)
    {
        _canonical = canonical;
        Count = count;
    }

    /// <summary>The context with no pairs (canonical form: four zero bytes).</summary>
    public static EncryptionContext Empty { get; } = new(new byte[sizeof(int)], 0);

    /// <summary>Number of pairs.</summary>
    public int Count { get; }

    /// <summary>The canonical bytes, computed once.</summary>
    public ReadOnlySpan<byte> Canonical => _canonical;

    /// <summary>Builds the canonical context from the request's pairs; null or empty gives <see cref="Empty"/>.</summary>
    /// <exception cref="ArgumentException">A value is null, or a key or value is not valid UTF-16.</exception>
    public static EncryptionContext From(IReadOnlyDictionary<string, string>? pairs)
    {
        if (pairs is null || pairs.Count == 0)
        {
            return Empty;
        }

        var sorted = new KeyValuePair<string, string>[pairs.Count];
        var index = 0;
        var length = sizeof(int);
        foreach (var pair in pairs)
        {
            if (pair.Value is null)
            {
                throw new ArgumentException("Encryption context values must not be null.", nameof(pairs));
            }

            if (!TryByteCount(pair.Key, out var keyLength) || !TryByteCount(pair.Value, out var valueLength))
            {
                // The message names no content: the context is not secret, but it is caller data.
                throw new ArgumentException("Encryption context keys and values must be valid Unicode text.", nameof(pairs));
            }

            length = checked(length + (2 * sizeof(int)) + keyLength + valueLength);
            sorted[index++] = pair;
        }

        Array.Sort(sorted, static (a, b) => string.CompareOrdinal(a.Key, b.Key));

        var canonical = new byte[length];
        var span = canonical.AsSpan();
        BinaryPrimitives.WriteInt32BigEndian(span, sorted.Length);
        var offset = sizeof(int);
        foreach (var pair in sorted)
        {
            offset = WriteString(span, offset, pair.Key);
            offset = WriteString(span, offset, pair.Value);
        }

        return new EncryptionContext(canonical, sorted.Length);
    }

    private static bool TryByteCount(string value, out int byteCount)
    {
        try
        {
            byteCount = StrictUtf8.GetByteCount(value);
            return true;
        }
        catch (EncoderFallbackException)
        {
            byteCount = 0;
            return false;
        }
    }

    private static int WriteString(Span<byte> destination, int offset, string value)
    {
        var written = StrictUtf8.GetBytes(value, destination[(offset + sizeof(int))..]);
        BinaryPrimitives.WriteInt32BigEndian(destination[offset..], written);
        return offset + sizeof(int) + written;
    }
}
