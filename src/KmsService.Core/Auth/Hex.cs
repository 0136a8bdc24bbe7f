namespace KmsService.Core.Auth;

/// <summary>Lower-case hex into ASCII bytes without allocating.</summary>
internal static class Hex
{
    public static void WriteLower(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, source.Length * 2, nameof(destination));
        for (var i = 0; i < source.Length; i++)
        {
            destination[2 * i] = (byte)"0123456789abcdef"[source[i] >> 4];
            destination[(2 * i) + 1] = (byte)"0123456789abcdef"[source[i] & 0xF];
        }
    }

    /// <summary>True when <paramref name="text"/> is the same hex as <paramref name="lowerHexAscii"/>, ignoring case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<char> text, ReadOnlySpan<byte> lowerHexAscii)
    {
        if (text.Length != lowerHexAscii.Length)
        {
            return false;
        }

        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is >= 'A' and <= 'F')
            {
                c = (char)(c + ('a' - 'A'));
            }

            if (c != lowerHexAscii[i])
            {
                return false;
            }
        }

        return true;
    }
}
