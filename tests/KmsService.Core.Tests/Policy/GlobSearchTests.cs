using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

public sealed class GlobSearchTests
{
    // Segment alphabets: literal only (KMP, IndexOf), sparse and dense '?' and non-ASCII literals (Shift-And with
    // per-character and precomputed masks), and characters whose invariant upper case is ASCII.
    private static readonly string[] SegmentAlphabets =
    [
        "ab",
        "aaaaaaab",
        "a?",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa?\u00e9",
        "a?\u00e9\u00e9\u00e9\u00e9",
        "\u00e9\u00e8?",
        "aI?\u0131",
    ];

    [Fact]
    public void IndexOf_RandomSegments_AgreesWithNaiveSearch()
    {
        var random = new Random(7919);
        for (var n = 0; n < 3000; n++)
        {
            var alphabet = SegmentAlphabets[random.Next(SegmentAlphabets.Length)];
            var segment = Random(random, alphabet, random.Next(1, 300));
            var inputAlphabet = alphabet.Replace("?", "", StringComparison.Ordinal) + "ai";
            var input = Random(random, inputAlphabet, random.Next(0, 400));
            if (random.Next(2) == 0)
            {
                // Plant an occurrence (with '?' filled in), sometimes with one character changed.
                var planted = segment.Select(c => c == '?' ? inputAlphabet[random.Next(inputAlphabet.Length)] : c).ToArray();
                if (random.Next(3) == 0)
                {
                    planted[random.Next(planted.Length)] = inputAlphabet[random.Next(inputAlphabet.Length)];
                }

                var at = random.Next(input.Length + 1);
                input = string.Concat(input.AsSpan(0, at), planted, input.AsSpan(at));
            }

            var tokens = segment.Select(c => new GlobToken(c == '?' ? GlobKind.Question : GlobKind.Literal, c)).ToArray();
            foreach (var ignoreCase in new[] { false, true })
            {
                Assert.True(
                    Naive(input, segment, ignoreCase) == GlobSearch.IndexOf(input, tokens, ignoreCase),
                    $"\"{segment}\" in \"{input}\" {(ignoreCase ? "ignoring case" : "ordinal")}");
            }
        }
    }

    [Fact]
    public void IndexOf_NonAsciiLetterWithQuestionMark_FoldsWhenIgnoringCase()
    {
        // Shift-And has no table row for U+00C9: its mask comes from the segment's non-ASCII literals.
        var segment = new[] { new GlobToken(GlobKind.Literal, '\u00e9'), new GlobToken(GlobKind.Question, '?') };

        Assert.Equal(1, GlobSearch.IndexOf("a\u00c9x", segment, ignoreCase: true));
        Assert.Equal(-1, GlobSearch.IndexOf("a\u00c9x", segment, ignoreCase: false));
    }

    private static int Naive(string input, string segment, bool ignoreCase)
    {
        for (var start = 0; start + segment.Length <= input.Length; start++)
        {
            var j = 0;
            while (j < segment.Length && (segment[j] == '?' || segment[j] == input[start + j]
                || (ignoreCase && char.ToUpperInvariant(segment[j]) == char.ToUpperInvariant(input[start + j]))))
            {
                j++;
            }

            if (j == segment.Length)
            {
                return start;
            }
        }

        return -1;
    }

    private static string Random(Random random, string alphabet, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = alphabet[random.Next(alphabet.Length)];
        }

        return new string(chars);
    }
}
