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

    /// <summary><c>?</c> inside one of an ARN's first five components: any one character but a colon.</summary>
    QuestionInSegment,
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

    /// <summary>True for a wildcard that cannot match a colon.</summary>
    public bool IsInSegment => Kind is GlobKind.StarInSegment or GlobKind.QuestionInSegment;
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
    private readonly GlobSyntax _syntax;
    private readonly string _literal;
    private readonly GlobToken[] _tokens;
    private readonly BitGlob? _bits;

    public GlobPattern(GlobToken[] tokens, GlobSyntax syntax)
    {
        _tokens = tokens;
        _syntax = syntax;
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

    public static GlobPattern Compile(string text, GlobSyntax syntax) => new(Tokenize(text, syntax, 0).ToArray(), syntax);

    public bool IsMatch(ReadOnlySpan<char> input, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        return _shape switch
        {
            Shape.Any => true,
            Shape.Exact => input.Equals(_literal, comparison),
            Shape.Prefix => input.StartsWith(_literal, comparison),
            _ => _bits is not null ? _bits.IsMatch(input, ignoreCase) : Glob.IsMatch(_tokens, input, ignoreCase, _syntax),
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
                    // IAM ArnLike: a component is matched on its own, so '?' in the first five never matches a colon.
                    tokens.Add(new GlobToken(syntax == GlobSyntax.Arn && colons < 5 ? GlobKind.QuestionInSegment : GlobKind.Question, c));
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

/// <summary>
/// Wildcard matching of a token span: Plain and ARN patterns in time linear in the input (one pass per star-free
/// segment, so a 32 KB policy's pattern against a 100 KB request value is never pattern × input); Resource patterns
/// with stars inside a segment by <see cref="GlobAutomaton"/>, bounded by the service-built ARN they are matched to.
/// </summary>
internal static class Glob
{
    /// <summary>Matches the whole input; <paramref name="syntax"/> says how colons bound the wildcards.</summary>
    public static bool IsMatch(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase, GlobSyntax syntax)
    {
        if (syntax == GlobSyntax.Arn)
        {
            return IsArnMatch(pattern, input, ignoreCase);
        }

        foreach (var token in pattern)
        {
            if (token.IsInSegment)
            {
                return GlobAutomaton.IsMatch(pattern, input, ignoreCase);
            }
        }

        return IsStarMatch(pattern, input, ignoreCase);
    }

    /// <summary>
    /// IAM User Guide, "Condition operators", ARN: each of the six colon-delimited components is checked separately;
    /// the last (resource) component may itself contain colons. The input is split at its first five colons, the
    /// pattern at its first five literal colons (a variable's value counts: it is literal text); within one of the
    /// first five components there is no colon for a wildcard to cross.
    /// </summary>
    public static bool IsArnMatch(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase)
    {
        Span<int> patternColons = stackalloc int[5];
        Span<int> inputColons = stackalloc int[5];
        var components = 0;
        for (var i = 0; i < pattern.Length && components < 5; i++)
        {
            if (pattern[i] is { Kind: GlobKind.Literal, Value: ':' })
            {
                patternColons[components++] = i;
            }
        }

        var found = 0;
        for (var from = 0; found < 5;)
        {
            var colon = input[from..].IndexOf(':');
            if (colon < 0)
            {
                break;
            }

            inputColons[found++] = from + colon;
            from += colon + 1;
        }

        if (found != components)
        {
            return false;
        }

        var patternStart = 0;
        var inputStart = 0;
        for (var k = 0; k < components; k++)
        {
            if (!IsStarMatch(pattern[patternStart..patternColons[k]], input[inputStart..inputColons[k]], ignoreCase))
            {
                return false;
            }

            patternStart = patternColons[k] + 1;
            inputStart = inputColons[k] + 1;
        }

        return IsStarMatch(pattern[patternStart..], input[inputStart..], ignoreCase);
    }

    /// <summary>
    /// Matches with every wildcard free to match any character, colons included: the pattern is S0 * S1 * ... * Sk
    /// with star-free segments of fixed length. S0 must match the input's start and Sk its end; each middle segment
    /// is taken at its leftmost occurrence after the previous one, which is never worse for the segments after it
    /// because a segment's length does not depend on where it matches. Each search resumes where the last match
    /// ended, so the input is read once: O(input + pattern), times ⌈segment/64⌉ for a segment with <c>?</c>.
    /// </summary>
    public static bool IsStarMatch(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase)
    {
        var first = 0;
        while (first < pattern.Length && !pattern[first].IsStar)
        {
            first++;
        }

        if (first == pattern.Length)
        {
            return pattern.Length == input.Length && MatchesAt(pattern, input, ignoreCase);
        }

        var last = pattern.Length - 1;
        while (!pattern[last].IsStar)
        {
            last--;
        }

        var head = pattern[..first];
        var tail = pattern[(last + 1)..];
        if (head.Length + tail.Length > input.Length
            || !MatchesAt(head, input, ignoreCase)
            || !MatchesAt(tail, input[^tail.Length..], ignoreCase))
        {
            return false;
        }

        var rest = input[head.Length..^tail.Length];
        var i = first;
        while (i < last)
        {
            if (pattern[i].IsStar)
            {
                i++;
                continue;
            }

            var end = i;
            while (!pattern[end].IsStar)
            {
                end++;
            }

            var segment = pattern[i..end];
            var at = GlobSearch.IndexOf(rest, segment, ignoreCase);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + segment.Length)..];
            i = end;
        }

        return true;
    }

    // A star-free pattern against a text of the same length.
    private static bool MatchesAt(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> text, bool ignoreCase)
    {
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i].Kind == GlobKind.Literal && !GlobSearch.Same(pattern[i].Value, text[i], ignoreCase))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>
/// Matching by simulating the pattern's automaton, for the Resource element's mix of stars that stay in a segment and
/// stars that cross colons, where no leftmost-first rule holds. O(input × pattern), bounded by the input alone: a
/// pattern needing more characters than the input has is rejected first, and runs of stars collapse to one, so at most
/// 2 × input + 1 positions remain. Resource patterns are only matched against ARNs the service builds (key ARNs,
/// principal ARNs of at most 256 characters), so this stays small.
/// </summary>
internal static class GlobAutomaton
{
    private const int StackLimit = 256;

    public static bool IsMatch(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase)
    {
        var required = 0;
        foreach (var token in pattern)
        {
            required += token.IsStar ? 0 : 1;
        }

        if (required > input.Length)
        {
            return false;
        }

        GlobToken[]? rentedTokens = null;
        Span<GlobToken> compact = pattern.Length <= StackLimit
            ? stackalloc GlobToken[StackLimit]
            : (rentedTokens = ArrayPool<GlobToken>.Shared.Rent(pattern.Length));
        try
        {
            return Run(compact[..Collapse(pattern, compact)], input, ignoreCase);
        }
        finally
        {
            if (rentedTokens is not null)
            {
                ArrayPool<GlobToken>.Shared.Return(rentedTokens);
            }
        }
    }

    // A run of stars matches what its widest star matches: any run if one crosses colons, else a run without colons.
    private static int Collapse(ReadOnlySpan<GlobToken> pattern, Span<GlobToken> compact)
    {
        var n = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            if (pattern[i].IsStar && n > 0 && compact[n - 1].IsStar)
            {
                if (pattern[i].Kind == GlobKind.Star)
                {
                    compact[n - 1] = pattern[i];
                }

                continue;
            }

            compact[n++] = pattern[i];
        }

        return n;
    }

    private static bool Run(ReadOnlySpan<GlobToken> pattern, ReadOnlySpan<char> input, bool ignoreCase)
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
                        case GlobKind.QuestionInSegment:
                            if (c != ':')
                            {
                                next[i + 1] = alive = true;
                            }

                            break;
                        default:
                            if (GlobSearch.Same(token.Value, c, ignoreCase))
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
/// The same automaton as <see cref="GlobAutomaton"/> run bit-parallel (one bit per pattern position, patterns up to 63
/// tokens) with per-character masks precomputed for ASCII: a few operations per input character, so linear in the
/// input for every syntax.
/// </summary>
internal sealed class BitGlob
{
    private const int Ascii = 128;

    private readonly GlobToken[] _tokens;
    private readonly ulong _question;
    private readonly ulong _questionInSegment;
    private readonly ulong _star;
    private readonly ulong _starInSegment;
    private readonly ulong _accept;

    // The per-character masks, built on first use for the case they are used with (conditions compare case-sensitively,
    // actions ignoring case, so most patterns only ever build one), and kept small: a compiled policy may hold thousands
    // of patterns, so each keeps a byte per ASCII character and one mask per distinct one, not 128 masks.
    private MaskTable? _exact;
    private MaskTable? _folded;

    private BitGlob(GlobToken[] tokens)
    {
        _tokens = tokens;
        for (var i = 0; i < tokens.Length; i++)
        {
            var bit = 1UL << i;
            switch (tokens[i].Kind)
            {
                case GlobKind.Question:
                    _question |= bit;
                    break;
                case GlobKind.QuestionInSegment:
                    // Any character but ':' is a literal match for it, so it costs the hot loop nothing.
                    _questionInSegment |= bit;
                    break;
                case GlobKind.Star:
                    _star |= bit;
                    break;
                case GlobKind.StarInSegment:
                    _starInSegment |= bit;
                    break;
            }
        }

        _accept = 1UL << tokens.Length;
    }

    public static BitGlob? TryCreate(GlobToken[] tokens) => tokens.Length < 64 ? new BitGlob(tokens) : null;

    public bool IsMatch(ReadOnlySpan<char> input, bool ignoreCase)
    {
        var table = ignoreCase
            ? _folded ?? Interlocked.CompareExchange(ref _folded, MaskTable.Build(this, ignoreCase: true), null) ?? _folded!
            : _exact ?? Interlocked.CompareExchange(ref _exact, MaskTable.Build(this, ignoreCase: false), null) ?? _exact!;
        var slots = table.Slots;
        var masks = table.Masks;
        var stars = _star | _starInSegment;
        var states = Close(1UL, stars);
        foreach (var c in input)
        {
            var literal = c < Ascii ? masks[slots[c]] : LiteralMask(c, ignoreCase);
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

    // Outside ASCII: never ':', so every in-segment '?' matches.
    private ulong LiteralMask(char c, bool ignoreCase)
    {
        var mask = _questionInSegment;
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

    /// <summary>The literal mask of every ASCII character: <see cref="Slots"/> maps a character to its entry in
    /// <see cref="Masks"/>, which holds each distinct mask once.</summary>
    private sealed class MaskTable(byte[] slots, ulong[] masks)
    {
        public byte[] Slots { get; } = slots;

        public ulong[] Masks { get; } = masks;

        public static MaskTable Build(BitGlob glob, bool ignoreCase)
        {
            // At most 63 literal tokens, ':' and "none": fewer than 66 distinct masks.
            Span<ulong> byChar = stackalloc ulong[Ascii];
            for (var c = 0; c < Ascii; c++)
            {
                byChar[c] = c == ':' ? 0 : glob._questionInSegment;
            }

            for (var i = 0; i < glob._tokens.Length; i++)
            {
                var token = glob._tokens[i];
                if (token.Kind != GlobKind.Literal)
                {
                    continue;
                }

                for (var c = 0; c < Ascii; c++)
                {
                    if (token.Value == c || (ignoreCase && char.ToUpperInvariant(token.Value) == char.ToUpperInvariant((char)c)))
                    {
                        byChar[c] |= 1UL << i;
                    }
                }
            }

            var slots = new byte[Ascii];
            var distinct = new List<ulong>(8);
            for (var c = 0; c < Ascii; c++)
            {
                var slot = distinct.IndexOf(byChar[c]);
                if (slot < 0)
                {
                    slot = distinct.Count;
                    distinct.Add(byChar[c]);
                }

                slots[c] = (byte)slot;
            }

            return new MaskTable(slots, [.. distinct]);
        }
    }
}
