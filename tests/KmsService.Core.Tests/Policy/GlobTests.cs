using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

public sealed class GlobTests
{
    [Theory]
    [InlineData("kms:*", "kms:Encrypt", true)]
    [InlineData("kms:Generate*", "kms:GenerateDataKeyPair", true)]
    [InlineData("kms:Generate*", "kms:Encrypt", false)]
    [InlineData("kms:*Key*", "kms:DescribeKey", true)]
    [InlineData("kms:?ecrypt", "kms:Decrypt", true)]
    [InlineData("kms:?ecrypt", "kms:ReDecrypt", false)]
    [InlineData("*a*b*c*", "xxaxxbxxcxx", true)]
    [InlineData("*a*b*c*", "xxaxxcxxbxx", false)]
    [InlineData("", "", true)]
    [InlineData("*", "", true)]
    public void IsMatch_PlainPattern_MatchesAsIam(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, GlobPattern.Compile(pattern, GlobSyntax.Plain).IsMatch(input, ignoreCase: false));
    }

    [Theory]
    [InlineData("arn:aws:kms:*:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k", true)]
    [InlineData("arn:aws:kms:us-*-1:111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k", true)]
    [InlineData("arn:aws:kms:us-*1111122223333:key/*", "arn:aws:kms:us-east-1:111122223333:key/k", false)]
    [InlineData("arn:aws:kms:*", "arn:aws:kms:us-east-1:111122223333:key/k", true)]
    [InlineData("arn:aws:kms:*:*:alias/*", "arn:aws:kms:us-east-1:111122223333:key/k", false)]
    public void IsMatch_ResourcePattern_StarStaysInSegmentUnlessLast(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, GlobPattern.Compile(pattern, GlobSyntax.Resource).IsMatch(input, ignoreCase: false));
    }

    [Theory]
    [InlineData("arn:aws:sqs:*:111122223333:*", "arn:aws:sqs:us-east-1:111122223333:q:with:colons", true)]
    [InlineData("arn:aws:sqs:*", "arn:aws:sqs:us-east-1:111122223333:q", false)]
    [InlineData("arn:aws:*:us-east-1:111122223333:q", "arn:aws:sqs:us-east-1:111122223333:q", true)]
    public void IsMatch_ArnPattern_ChecksEachComponent(string pattern, string input, bool expected)
    {
        Assert.Equal(expected, GlobPattern.Compile(pattern, GlobSyntax.Arn).IsMatch(input, ignoreCase: false));
    }

    [Fact]
    public void IsMatch_IgnoreCase_FoldsLiterals()
    {
        Assert.True(GlobPattern.Compile("KMS:gen*", GlobSyntax.Plain).IsMatch("kms:GenerateMac", ignoreCase: true));
        Assert.False(GlobPattern.Compile("KMS:gen*", GlobSyntax.Plain).IsMatch("kms:GenerateMac", ignoreCase: false));
    }

    [Fact]
    public void IsMatch_LongPattern_UsesPooledBuffer()
    {
        var pattern = string.Concat(Enumerable.Repeat("a*", 200));
        var input = new string('a', 400);
        Assert.True(GlobPattern.Compile(pattern, GlobSyntax.Plain).IsMatch(input, ignoreCase: false));
        Assert.False(GlobPattern.Compile(pattern + "b", GlobSyntax.Plain).IsMatch(input, ignoreCase: false));
    }

    [Fact]
    public void IsMatch_PathologicalPattern_IsLinear()
    {
        var pattern = GlobPattern.Compile(string.Concat(Enumerable.Repeat("*a", 30)) + "b", GlobSyntax.Plain);
        Assert.False(pattern.IsMatch(new string('a', 5000), ignoreCase: false));
    }

    [Theory]
    [InlineData("arn:aws:kms:us-east-?:111122223333:key/k", "arn:aws:kms:us-east-1:111122223333:key/k", true)]
    [InlineData("arn:aws:kms?us-east-1:111122223333:key/k", "arn:aws:kms:us-east-1:111122223333:key/k", false)]
    [InlineData("arn:aws:sqs:us-east-1:111122223333:q?x", "arn:aws:sqs:us-east-1:111122223333:q:x", true)]
    [InlineData("a?b", "a:b", false)]
    public void IsMatch_ArnQuestionMark_StaysInItsComponent(string pattern, string input, bool expected)
    {
        var tokens = GlobPattern.Tokenize(pattern, GlobSyntax.Arn, 0).ToArray();

        Assert.Equal(expected, GlobPattern.Compile(pattern, GlobSyntax.Arn).IsMatch(input, ignoreCase: false));
        Assert.Equal(expected, Glob.IsMatch(tokens, input, ignoreCase: false, GlobSyntax.Arn));
    }

    [Fact]
    public void IsLike_ArnVariableWithColons_CountsItsColonsAsComponents()
    {
        // The variable's value is literal text, colons included, so the '*' after it is in the resource component.
        var value = PolicyString.Compile("${aws:SourceArn}*", allowVariables: true, GlobSyntax.Arn);
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:user/alice",
            PrincipalAccount = "111122223333",
            Action = "kms:Decrypt",
        }.Set("aws:SourceArn", "arn:aws:sqs:us-east-1:111122223333:q");

        Assert.True(value.IsLike("arn:aws:sqs:us-east-1:111122223333:q:with:colons", ignoreCase: false, request));
        Assert.False(value.IsLike("arn:aws:sqs:us-east-1:111122223333", ignoreCase: false, request));
    }

    [Fact]
    public void IsMatch_RandomShortPatterns_AgreeWithReference()
    {
        var random = new Random(20240601);
        const string PatternAlphabet = "ab:*?A\u00e9\u0131";
        const string InputAlphabet = "ab:AI\u00e9\u00c9\u0131";
        for (var i = 0; i < 20000; i++)
        {
            var pattern = Random(random, PatternAlphabet, random.Next(0, 12));
            var input = random.Next(3) == 0 ? Instantiate(random, pattern, InputAlphabet) : Random(random, InputAlphabet, random.Next(0, 14));
            AssertAgrees(pattern, input);
        }
    }

    [Fact]
    public void IsMatch_RandomLongPatterns_AgreeWithReference()
    {
        // Past 63 tokens there is no bit-parallel automaton: the segment search (KMP, multi-word Shift-And) decides.
        var random = new Random(20261129);
        // About one star in 27 tokens, so some star-free segments are longer than 64.
        const string PatternAlphabet = "aaaaaaaaaaaaaaaabb::????\u00e9\u00e9*";
        const string InputAlphabet = "aaaab:\u00e9";
        for (var i = 0; i < 800; i++)
        {
            var pattern = Random(random, PatternAlphabet, random.Next(60, 240));
            var input = random.Next(2) == 0 ? Instantiate(random, pattern, InputAlphabet) : Random(random, InputAlphabet, random.Next(0, 400));
            AssertAgrees(pattern, input);
        }
    }

    private static void AssertAgrees(string pattern, string input)
    {
        foreach (var syntax in new[] { GlobSyntax.Plain, GlobSyntax.Resource, GlobSyntax.Arn })
        {
            var tokens = GlobPattern.Tokenize(pattern, syntax, 0).ToArray();
            foreach (var ignoreCase in new[] { false, true })
            {
                var expected = Reference(pattern, input, syntax, ignoreCase);
                var message = $"{syntax} {(ignoreCase ? "ignoring case" : "ordinal")}: \"{pattern}\" against \"{input}\"";
                Assert.True(expected == GlobPattern.Compile(pattern, syntax).IsMatch(input, ignoreCase), message);
                Assert.True(expected == Glob.IsMatch(tokens, input, ignoreCase, syntax), message);
                Assert.True(expected == GlobAutomaton.IsMatch(tokens, input, ignoreCase), message);
                if (BitGlob.TryCreate(tokens) is { } bits)
                {
                    Assert.True(expected == bits.IsMatch(input, ignoreCase), message);
                }
            }
        }
    }

    // Straightforward matchers written from the IAM rules, to check the fast ones against.
    private static bool Reference(string pattern, string input, GlobSyntax syntax, bool ignoreCase)
    {
        if (syntax != GlobSyntax.Arn)
        {
            return Like(pattern, input, syntax == GlobSyntax.Resource, ignoreCase);
        }

        // IAM ArnLike: six colon-delimited components, each matched on its own; the last keeps its colons.
        var patternParts = pattern.Split(':', 6);
        var inputParts = input.Split(':', 6);
        return patternParts.Length == inputParts.Length
            && patternParts.Zip(inputParts).All(p => Like(p.First, p.Second, inSegment: false, ignoreCase));
    }

    // Plain: '*' any run, '?' any character. Resource: a '*' not ending a segment matches no colon. Dynamic
    // programming: like[i, j] says p[i..] matches s[j..].
    private static bool Like(string p, string s, bool inSegment, bool ignoreCase)
    {
        var like = new bool[p.Length + 1, s.Length + 1];
        like[p.Length, s.Length] = true;
        for (var i = p.Length - 1; i >= 0; i--)
        {
            for (var j = s.Length; j >= 0; j--)
            {
                if (p[i] == '*')
                {
                    var crosses = !inSegment || i + 1 == p.Length || p[i + 1] == ':';
                    like[i, j] = like[i + 1, j] || (j < s.Length && (crosses || s[j] != ':') && like[i, j + 1]);
                }
                else
                {
                    like[i, j] = j < s.Length && like[i + 1, j + 1]
                        && (p[i] == '?' || p[i] == s[j] || (ignoreCase && char.ToUpperInvariant(p[i]) == char.ToUpperInvariant(s[j])));
                }
            }
        }

        return like[0, 0];
    }

    // An input the pattern matches: each '*' becomes a random run, each '?' a random character; sometimes one
    // character is then changed so near misses are tried too.
    private static string Instantiate(Random random, string pattern, string alphabet)
    {
        var chars = new List<char>();
        foreach (var c in pattern)
        {
            if (c == '*')
            {
                chars.AddRange(Random(random, alphabet, random.Next(0, 4)));
            }
            else
            {
                chars.Add(c == '?' ? alphabet[random.Next(alphabet.Length)] : c);
            }
        }

        if (chars.Count > 0 && random.Next(2) == 0)
        {
            chars[random.Next(chars.Count)] = alphabet[random.Next(alphabet.Length)];
        }

        return new string([.. chars]);
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
