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

    [Fact]
    public void IsMatch_BitParallelAndAutomaton_Agree()
    {
        var random = new Random(20240601);
        const string PatternAlphabet = "ab:*?A";
        const string InputAlphabet = "ab:A";
        for (var i = 0; i < 5000; i++)
        {
            var pattern = Random(random, PatternAlphabet, random.Next(0, 12));
            var input = Random(random, InputAlphabet, random.Next(0, 14));
            foreach (var syntax in new[] { GlobSyntax.Plain, GlobSyntax.Resource, GlobSyntax.Arn })
            {
                var tokens = GlobPattern.Tokenize(pattern, syntax, 0).ToArray();
                foreach (var ignoreCase in new[] { false, true })
                {
                    var expected = Glob.IsMatch(tokens, input, ignoreCase);
                    Assert.Equal(expected, GlobPattern.Compile(pattern, syntax).IsMatch(input, ignoreCase));
                    Assert.Equal(expected, BitGlob.TryCreate(tokens)!.IsMatch(input, ignoreCase));
                }
            }
        }
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
