using System.Buffers;

namespace KmsService.Core.Policy;

/// <summary>What one pattern position matches.</summary>
internal enum GlobKind : byte
{
    Literal,

    /// <summary><c>?</c>: any one character.</summary>
    Question,

    /// <summary><c>*</c>: any run of characters.</summary>
    Star,

    /// <summary><c>*</c> inside an ARN segment: any run of characters without a colon.</summary>
    StarInSegment,
}

/// <summary>How <c>*</c> and <c>?</c> in a pattern's text are read.</summary>
internal enum GlobSyntax : byte
{
    /// <summary>Actions and StringLike: <c>*</c> matches anything.</summary>
    Plain,

    /// <summary>
    /// Resource element. IAM User Guide, "IAM JSON policy elements: Resource", Using wildcards in resource ARNs:
    /// wildcards work within a colon-separated segment; a <c>*</c> that is the last character of a segment can
    /// expand beyond the colon boundaries.
    /// </summary>
    Resource,

    /// <summary>
    /// ArnEquals/ArnLike. IAM User Guide, "Condition operators", ARN: each of the six colon-delimited components
    /// is checked separately; the last (resource) component may itself contain colons.
    /// </summary>
    Arn,
}

/// <summary>One position of a compiled wildcard pattern.</summary>
internal readonly struct GlobToken(GlobKind kind, char value)
{
    public readonly GlobKind Kind = kind;
    public readonly char Value = value;

    public bool IsStar => Kind is GlobKind.Star or GlobKind.StarInSegment;
}

/// <summary>A wildcard pattern compiled once; matching is allocation-free.</summary>
internal sealed class GlobPattern
{
    private enum Shape : byte
    {
        Any,
        Exact,
        Prefix,
        General,
    }

    private readonly Shape _shape;
    private readonly string _literal;
    private readonly GlobToken[] _tokens;
    private readonly BitGlob? _bits;

    public GlobPattern(GlobToken[] tokens)
    {
        _tokens = tokens;
        var literals = 0;
        while (literals < tokens.Length && tokens[literals].Kind == GlobKind.Literal)
        {
            literals++;
        }

        var chars = new char[literals];
        for (var i = 0; i < literals; i++)
        {
            chars[i] = tokens[i].Value;
        }

        _literal = new string(chars);
        if (literals == tokens.Length)
        {
            _shape = Shape.Exact;
        }
        else if (literals == tokens.Length - 1 && tokens[^1].Kind == GlobKind.Star)
        {
            _shape = literals == 0 ? Shape.Any : Shape.Prefix;
        }
        else
        {
            _shape = Shape.General;
            _bits = BitGlob.TryCreate(tokens);
        }
    }

    public bool IsAny => _shape == Shape.Any;

    public static GlobPattern Compile(string text, GlobSyntax syntax) => new(Tokenize(text, syntax, 0).ToArray());

    public bool IsMatch(ReadOnlySpan<char> input, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return _shape switch
        {
            Shape.Any => true,
            Shape.Exact => input.Equals(_literal, comparison),
            Shape.Prefix => input.StartsWith(_literal, comparison),
            _ => _bits is not null ? _bits.IsMatch(input, ignoreCase) : Glob.IsMatch(_tokens, input, ignoreCase),
        };
    }

    /// <summary>Tokenizes literal pattern text; <paramref name="colonsBefore"/> counts ARN colons already seen.</summary>
    public static List<GlobToken> Tokenize(string text, GlobSyntax syntax, int colonsBefore)
    {
        var tokens = new List<GlobToken>(text.Length);
        var colons = colonsBefore;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case '*':
                    var kind = syntax switch
                    {
                        GlobSyntax.Resource => i + 1 == text.Length || text[i + 1] == ':'
                            ? GlobKind.Star : GlobKind.StarInSegment,
                        GlobSyntax.Arn => colons >= 5 ? GlobKind.Star : GlobKind.StarInSegment,
                        _ => GlobKind.Star,
                    };
                    tokens.Add(new GlobToken(kind, c));
                    break;
                case '?':
                    tokens.Add(new GlobToken(GlobKind.Question, c));
                    break;
                default:
                    if (c == ':')
                    {
                        colons++;
                    }

                    tokens.Add(new GlobToken(GlobKind.Literal, c));
                    break;
            }
        }

        return tokens;
    }
}

/// <summary>Wildcard matching by simulating the pattern's automaton: linear in input, no backtracking blow-up.</summary>
internal static class Glob
{
    private const int StackLimit = 256;

    public static bool IsMatch(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase)
    {
        var states = pattern.Length + 1;
        bool[]? rented = null;
        Span<bool> buffer = states * 2 <= StackLimit
            ? stackalloc bool[StackLimit]
            : (rented = ArrayPool<bool>.Shared.Rent(states * 2));
        try
        {
            var current = buffer[..states];
            var next = buffer.Slice(states, states);
            current.Clear();
            current[0] = true;
            Close(pattern, current);
            foreach (var c in input)
            {
                next.Clear();
                var alive = false;
                for (var i = 0; i < pattern.Length; i++)
                {
                    if (!current[i])
                    {
                        continue;
                    }

                    var token = pattern[i];
                    switch (token.Kind)
                    {
                        case GlobKind.Star:
                            next[i] = alive = true;
                            break;
                        case GlobKind.StarInSegment:
                            if (c != ':')
                            {
                                next[i] = alive = true;
                            }

                            break;
                        case GlobKind.Question:
                            next[i + 1] = alive = true;
                            break;
                        default:
                            if (token.Value == c || (ignoreCase && char.ToUpperInvariant(token.Value) == char.ToUpperInvariant(c)))
                            {
                                next[i + 1] = alive = true;
                            }

                            break;
                    }
                }

                if (!alive)
                {
                    return false;
                }

                Close(pattern, next);
                var swap = current;
                current = next;
                next = swap;
            }

            return current[pattern.Length];
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<bool>.Shared.Return(rented);
            }
        }
    }

    // A star may match nothing: a live star state also makes the state after it live (ascending order chains stars).
    private static void Close(ReadOnlySpan<GlobToken> pattern, Span<bool> states)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (states[i] && pattern[i].IsStar)
            {
                states[i + 1] = true;
            }
        }
    }
}

/// <summary>
/// The same automaton as <see cref="Glob"/> run bit-parallel (one bit per pattern position, patterns up to 63
/// tokens) with per-character masks precomputed for ASCII: a few operations per input character.
/// </summary>
internal sealed class BitGlob
{
    private const int Ascii = 128;

    private readonly GlobToken[] _tokens;
    private readonly ulong[] _exact = new ulong[Ascii];
    private readonly ulong[] _folded = new ulong[Ascii];
    private readonly ulong _question;
    private readonly ulong _star;
    private readonly ulong _starInSegment;
    private readonly ulong _accept;

    private BitGlob(GlobToken[] tokens)
    {
        _tokens = tokens;
        for (var i = 0; i < tokens.Length; i++)
        {
            var bit = 1UL << i;
            var token = tokens[i];
            switch (token.Kind)
            {
                case GlobKind.Question:
                    _question |= bit;
                    break;
                case GlobKind.Star:
                    _star |= bit;
                    break;
                case GlobKind.StarInSegment:
                    _starInSegment |= bit;
                    break;
                default:
                    for (var c = 0; c < Ascii; c++)
                    {
                        if (token.Value == c)
                        {
                            _exact[c] |= bit;
                        }

                        if (char.ToUpperInvariant(token.Value) == char.ToUpperInvariant((char)c))
                        {
                            _folded[c] |= bit;
                        }
                    }

                    break;
            }
        }

        _accept = 1UL << tokens.Length;
    }

    public static BitGlob? TryCreate(GlobToken[] tokens) => tokens.Length < 64 ? new BitGlob(tokens) : null;

    public bool IsMatch(ReadOnlySpan<char> input, bool ignoreCase)
    {
        var table = ignoreCase ? _folded : _exact;
        var stars = _star | _starInSegment;
        var states = Close(1UL, stars);
        foreach (var c in input)
        {
            var literal = c < Ascii ? table[c] : LiteralMask(c, ignoreCase);
            var next = ((states & (literal | _question)) << 1) | (states & (c == ':' ? _star : stars));
            if (next == 0)
            {
                return false;
            }

            states = Close(next, stars);
        }

        return (states & _accept) != 0;
    }

    // A live star also makes the position after it live (stars may match nothing); repeat for runs of stars.
    private static ulong Close(ulong states, ulong stars)
    {
        while (true)
        {
            var closed = states | ((states & stars) << 1);
            if (closed == states)
            {
                return states;
            }

            states = closed;
        }
    }

    private ulong LiteralMask(char c, bool ignoreCase)
    {
        var mask = 0UL;
        for (var i = 0; i < _tokens.Length; i++)
        {
            var token = _tokens[i];
            if (token.Kind == GlobKind.Literal
                && (token.Value == c || (ignoreCase && char.ToUpperInvariant(token.Value) == char.ToUpperInvariant(c))))
            {
                mask |= 1UL << i;
            }
        }

        return mask;
    }
}
