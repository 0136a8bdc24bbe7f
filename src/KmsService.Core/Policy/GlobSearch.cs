using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace KmsService.Core.Policy;

/// <summary>
/// Finds the leftmost occurrence of a star-free pattern segment (literals and <c>?</c>) in one pass over the input:
/// Knuth-Morris-Pratt for literal segments (O(input + segment)), bit-parallel Shift-And for segments with <c>?</c>
/// (O(input × ⌈segment/64⌉), at most 512 words for a segment a 32 KB policy can hold).
/// </summary>
internal static class GlobSearch
{
    // MemoryExtensions.IndexOf is vectorized but O(input × needle) at worst, so it only searches needles this short.
    private const int ShortNeedle = 32;
    private const int StackElements = 256;
    private const int Ascii = 128;

    /// <summary>
    /// The index of the first match of <paramref name="segment"/> in <paramref name="input"/>, or -1. Every
    /// <c>?</c> matches any one character (the caller has already split ARN components); stars are not allowed.
    /// </summary>
    public static int IndexOf(ReadOnlySpan<char> input, ReadOnlySpan<GlobToken> segment, bool ignoreCase)
    {
        if (segment.Length > input.Length)
        {
            return -1;
        }

        if (segment.IsEmpty)
        {
            return 0;
        }

        foreach (var token in segment)
        {
            if (token.Kind != GlobKind.Literal)
            {
                return ShiftAnd(input, segment, ignoreCase);
            }
        }

        if (!ignoreCase && segment.Length <= ShortNeedle)
        {
            Span<char> needle = stackalloc char[ShortNeedle];
            for (var i = 0; i < segment.Length; i++)
            {
                needle[i] = segment[i].Value;
            }

            return input.IndexOf(needle[..segment.Length]);
        }

        return Kmp(input, segment, ignoreCase);
    }

    /// <summary>Literal comparison as IAM actions need it: ordinal, or case-folded with the invariant upper case.</summary>
    public static bool Same(char pattern, char c, bool ignoreCase) =>
        pattern == c || (ignoreCase && char.ToUpperInvariant(pattern) == char.ToUpperInvariant(c));

    // Knuth, Morris, Pratt (1977): O(input + segment); the failure table is on the stack for short segments. The
    // search loops are jitted fully optimized at once, so a first request after start-up does not run tier-0 code.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int Kmp(ReadOnlySpan<char> input, ReadOnlySpan<GlobToken> segment, bool ignoreCase)
    {
        int[]? rented = null;
        Span<int> fail = segment.Length <= StackElements
            ? stackalloc int[StackElements]
            : (rented = ArrayPool<int>.Shared.Rent(segment.Length));
        try
        {
            fail[0] = 0;
            var k = 0;
            for (var i = 1; i < segment.Length; i++)
            {
                while (k > 0 && !Same(segment[k].Value, segment[i].Value, ignoreCase))
                {
                    k = fail[k - 1];
                }

                if (Same(segment[k].Value, segment[i].Value, ignoreCase))
                {
                    k++;
                }

                fail[i] = k;
            }

            k = 0;
            for (var i = 0; i < input.Length; i++)
            {
                while (k > 0 && !Same(segment[k].Value, input[i], ignoreCase))
                {
                    k = fail[k - 1];
                }

                if (Same(segment[k].Value, input[i], ignoreCase) && ++k == segment.Length)
                {
                    return i - segment.Length + 1;
                }
            }

            return -1;
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<int>.Shared.Return(rented);
            }
        }
    }

    // Baeza-Yates and Gonnet (1992), Shift-And: bit j of the state says segment[0..j] matches the input ending here.
    // O(input × ⌈segment/64⌉) word operations, vectorized, over only the state words that can be live.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ShiftAnd(ReadOnlySpan<char> input, ReadOnlySpan<GlobToken> segment, bool ignoreCase)
    {
        var words = (segment.Length + 63) >> 6;

        // One buffer: 128 ASCII masks, the '?' mask, and the state (word 0 a guard, then `words` words). Bit j lives
        // in word j >> 6 at bit j & 63; C# masks a ulong shift count to its low 6 bits, so 1UL << j is that bit.
        var size = ((Ascii + 1) * words) + words + 1;
        ulong[]? rented = null;
        Span<ulong> buffer = size <= StackElements
            ? stackalloc ulong[StackElements]
            : (rented = ArrayPool<ulong>.Shared.Rent(size));
        var others = new NonAsciiMasks(segment, words, ignoreCase);
        try
        {
            var table = buffer[..(Ascii * words)];
            var question = buffer.Slice(Ascii * words, words);
            var state = buffer.Slice((Ascii + 1) * words, words + 1);
            question.Clear();
            for (var j = 0; j < segment.Length; j++)
            {
                if (segment[j].Kind != GlobKind.Literal)
                {
                    question[j >> 6] |= 1UL << j;
                }
            }

            for (var c = 0; c < Ascii; c++)
            {
                question.CopyTo(table.Slice(c * words, words));
            }

            for (var j = 0; j < segment.Length; j++)
            {
                if (segment[j].Kind != GlobKind.Literal)
                {
                    continue;
                }

                var folded = Fold(segment[j].Value, ignoreCase);
                if (folded < Ascii)
                {
                    table[(folded * words) + (j >> 6)] |= 1UL << j;
                    if (ignoreCase && folded is >= 'A' and <= 'Z')
                    {
                        table[((folded + ('a' - 'A')) * words) + (j >> 6)] |= 1UL << j;
                    }
                }
            }

            others.Build(question);

            // The guard's top bit shifts a fresh start into position 0 on every character.
            state.Clear();
            state[0] = 1UL << 63;
            var active = 0;
            var last = 1UL << (segment.Length - 1);
            for (var i = 0; i < input.Length; i++)
            {
                // INVARIANT: state words above `active` are zero, and one character moves a bit up one position, so
                // at most one more word can become live; shrinking is paid for by that growth.
                var top = Math.Min(words, active + 1);
                var c = input[i];
                var folded = c < Ascii ? c : Fold(c, ignoreCase);
                if (folded < Ascii)
                {
                    Step(state, table.Slice(folded * words, words), top);
                }
                else if (!others.TryFind(folded, out var group))
                {
                    Step(state, question, top);
                }
                else if (others.IsHeavy(group))
                {
                    Step(state, others.Heavy(group), top);
                }
                else
                {
                    others.StepLight(state, question, group, top);
                }

                active = top;
                while (active > 0 && state[active] == 0)
                {
                    active--;
                }

                if (active == words && (state[words] & last) != 0)
                {
                    return i - segment.Length + 1;
                }
            }

            return -1;
        }
        finally
        {
            others.Dispose();
            if (rented is not null)
            {
                ArrayPool<ulong>.Shared.Return(rented);
            }
        }
    }

    private static char Fold(char c, bool ignoreCase) => ignoreCase ? char.ToUpperInvariant(c) : c;

    // state[w] = ((state[w] << 1) | (state[w - 1] >> 63)) & mask[w - 1] for w = top..1, from the top down so that
    // state[w - 1] still holds the previous character's bits when word w reads it.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step(Span<ulong> state, ReadOnlySpan<ulong> mask, int top)
    {
        var w = top;
        ref var s = ref MemoryMarshal.GetReference(state);
        ref var m = ref MemoryMarshal.GetReference(mask);
        if (Vector256.IsHardwareAccelerated)
        {
            while (w >= Vector256<ulong>.Count)
            {
                var low = (nuint)(w - Vector256<ulong>.Count + 1);
                var current = Vector256.LoadUnsafe(ref s, low);
                var below = Vector256.LoadUnsafe(ref s, low - 1);
                var bits = Vector256.LoadUnsafe(ref m, low - 1);
                ((Vector256.ShiftLeft(current, 1) | Vector256.ShiftRightLogical(below, 63)) & bits).StoreUnsafe(ref s, low);
                w -= Vector256<ulong>.Count;
            }
        }

        for (; w >= 1; w--)
        {
            state[w] = ((state[w] << 1) | (state[w - 1] >> 63)) & mask[w - 1];
        }
    }

    /// <summary>
    /// Masks for input characters outside ASCII, where a table row per character would not fit: the segment's
    /// non-ASCII literals grouped by (folded) character. A character with more literals than an eighth of the state's
    /// words gets a precomputed mask (so at most 8 × 64 of them, 8 words per segment position); one with fewer is
    /// stepped with the '?' mask and its literals' bits set one by one, so either way a character costs O(words).
    /// </summary>
    private struct NonAsciiMasks
    {
        private readonly int _words;
        private readonly int _threshold;
        private int _distinct;
        private char[]? _keys;
        private int[]? _starts;
        private int[]? _positions;
        private int[]? _slots;
        private ulong[]? _heavy;
        private int[]? _pending;

        public NonAsciiMasks(ReadOnlySpan<GlobToken> segment, int words, bool ignoreCase)
        {
            _words = words;
            _threshold = Math.Max(1, words / 8);
            var count = 0;
            foreach (var token in segment)
            {
                count += token.Kind == GlobKind.Literal && Fold(token.Value, ignoreCase) >= Ascii ? 1 : 0;
            }

            if (count == 0)
            {
                return;
            }

            // Sorted by character, then reduced to one key per character with where its positions start.
            _keys = ArrayPool<char>.Shared.Rent(count);
            _positions = ArrayPool<int>.Shared.Rent(count);
            _starts = ArrayPool<int>.Shared.Rent(count + 1);
            var n = 0;
            for (var j = 0; j < segment.Length; j++)
            {
                var folded = Fold(segment[j].Value, ignoreCase);
                if (segment[j].Kind == GlobKind.Literal && folded >= Ascii)
                {
                    _keys[n] = folded;
                    _positions[n++] = j;
                }
            }

            _keys.AsSpan(0, count).Sort(_positions.AsSpan(0, count));
            for (var i = 0; i < count; i++)
            {
                if (i == 0 || _keys[i] != _keys[_distinct - 1])
                {
                    _keys[_distinct] = _keys[i];
                    _starts[_distinct++] = i;
                }
            }

            _starts[_distinct] = count;
            _pending = ArrayPool<int>.Shared.Rent(_threshold);
        }

        // Precomputes the masks of characters with more literals than the threshold.
        public void Build(ReadOnlySpan<ulong> question)
        {
            var heavy = 0;
            for (var g = 0; g < _distinct; g++)
            {
                heavy += IsHeavy(g) ? 1 : 0;
            }

            if (heavy == 0)
            {
                return;
            }

            _slots = ArrayPool<int>.Shared.Rent(_distinct);
            _heavy = ArrayPool<ulong>.Shared.Rent(heavy * _words);
            var slot = 0;
            for (var g = 0; g < _distinct; g++)
            {
                if (IsHeavy(g))
                {
                    _slots[g] = slot;
                    var mask = _heavy.AsSpan(slot * _words, _words);
                    question.CopyTo(mask);
                    for (var i = _starts![g]; i < _starts[g + 1]; i++)
                    {
                        var j = _positions![i];
                        mask[j >> 6] |= 1UL << j;
                    }

                    slot++;
                }
            }
        }

        public readonly bool TryFind(char folded, out int group)
        {
            // Binary search without a data-dependent branch: the lowest index whose key is not below `folded`.
            var keys = _keys.AsSpan(0, _distinct);
            var low = 0;
            var length = keys.Length;
            while (length > 1)
            {
                var half = length >> 1;
                low = keys[low + half - 1] < folded ? low + half : low;
                length -= half;
            }

            group = low < keys.Length && keys[low] < folded ? low + 1 : low;
            return group < keys.Length && keys[group] == folded;
        }

        public readonly bool IsHeavy(int group) => _starts![group + 1] - _starts[group] > _threshold;

        public readonly ReadOnlySpan<ulong> Heavy(int group) => _heavy.AsSpan(_slots![group] * _words, _words);

        // The step with this character's mask, without building it: a literal bit j is set after a '?'-only step
        // when bit j - 1 was live before it (bit -1 is the guard's, always live), read before the step overwrites it.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public readonly void StepLight(Span<ulong> state, ReadOnlySpan<ulong> question, int group, int top)
        {
            var pending = _pending.AsSpan();
            var n = 0;
            foreach (var j in _positions.AsSpan(_starts![group], _starts[group + 1] - _starts[group]))
            {
                // Branch-free: whether bit j - 1 is live is as good as random, and a mispredicted branch costs more.
                var before = j + 63;
                pending[n] = j;
                n += (int)((state[before >> 6] >> before) & 1);
            }

            Step(state, question, top);
            foreach (var j in pending[..n])
            {
                state[(j >> 6) + 1] |= 1UL << j;
            }
        }

        public readonly void Dispose()
        {
            if (_keys is not null)
            {
                ArrayPool<char>.Shared.Return(_keys);
                ArrayPool<int>.Shared.Return(_positions!);
                ArrayPool<int>.Shared.Return(_starts!);
                ArrayPool<int>.Shared.Return(_pending!);
            }

            if (_slots is not null)
            {
                ArrayPool<int>.Shared.Return(_slots);
                ArrayPool<ulong>.Shared.Return(_heavy!);
            }
        }
    }
}
