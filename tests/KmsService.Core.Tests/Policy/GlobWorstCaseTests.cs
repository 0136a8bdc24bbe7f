using System.Diagnostics;
using System.Text;
using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

/// <summary>
/// Patterns a 32 KB policy can hold against a 100 KB request value: each match must take time linear in the input
/// (a pattern × input matcher needed about 12 s for the first one). Run alone, so other tests do not share the cores.
/// </summary>
[Collection(nameof(GlobWorstCaseTests))]
public sealed class GlobWorstCaseTests(ITestOutputHelper output)
{
    private const int InputLength = 100_000;
    private const double LimitMs = 50;
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private static readonly string LongA = new('a', InputLength);

    // By name, so the test names do not carry 100 KB arguments: pattern, syntax, ignore case, input, expected.
    private static readonly Dictionary<string, (string Pattern, GlobSyntax Syntax, bool IgnoreCase, string Input, bool Expected)> Cases = new()
    {
        ["a*a*...a*b"] = (Repeat("a*", 15_000) + "b", GlobSyntax.Plain, false, LongA, false),
        ["a*a*...a*b, matching"] = (Repeat("a*", 15_000) + "b", GlobSyntax.Plain, false, LongA + "b", true),
        ["*aaa...ab*"] = ("*" + new string('a', 30_000) + "b*", GlobSyntax.Plain, false, LongA, false),
        ["*a?a?...a?b*"] = ("*" + Repeat("a?", 15_000) + "b*", GlobSyntax.Plain, false, LongA, false),
        ["*a?a?...a?b*, matching"] = ("*" + Repeat("a?", 15_000) + "b*", GlobSyntax.Plain, false, LongA + "b", true),
        ["*AAA...AB* ignoring case"] = ("*" + new string('A', 30_000) + "B*", GlobSyntax.Plain, true, LongA, false),
        ["*A?A?...A?B* ignoring case"] = ("*" + Repeat("A?", 15_000) + "B*", GlobSyntax.Plain, true, LongA, false),
        ["A*A*...A*B ignoring case"] = (Repeat("A*", 15_000) + "B", GlobSyntax.Plain, true, LongA, false),
        ["ARN a*a*...a*b"] = ("arn:aws:s3:::" + Repeat("a*", 15_000) + "b", GlobSyntax.Arn, false, "arn:aws:s3:::" + LongA, false),
        ["ARN a*a*...a*b, matching"] = ("arn:aws:s3:::" + Repeat("a*", 15_000) + "b", GlobSyntax.Arn, false, "arn:aws:s3:::" + LongA + "b", true),
        ["ARN *a?a?...a?b*"] = ("arn:aws:s3:::*" + Repeat("a?", 15_000) + "b*", GlobSyntax.Arn, false, "arn:aws:s3:::" + LongA, false),
        ["ARN a*a*... in the first component"] = (Repeat("a*", 15_000) + "b:*", GlobSyntax.Arn, false, LongA + ":x", false),
        ["*\u0100?\u0101?...b* non-ASCII"] = ("*" + NonAscii(15_000, "?") + "b*", GlobSyntax.Plain, false, NonAscii(50_000, "x"), false),
        ["*\u0100?\u0101?...b* non-ASCII ignoring case"] = ("*" + NonAscii(15_000, "?") + "B*", GlobSyntax.Plain, true, NonAscii(50_000, "x"), false),
        ["Resource stars in a segment"] = ("arn:aws:kms:u" + Repeat("*", 30_000) + "s-east-1:111122223333:key/*", GlobSyntax.Resource, false, KeyArn, true),
        ["Resource a*a*..."] = ("arn:aws:kms:" + Repeat("a*", 15_000) + "b:111122223333:key/*", GlobSyntax.Resource, false, KeyArn, false),
    };

    public static TheoryData<string> Names() => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(Names))]
    public void IsMatch_LargestPatternAgainstLongInput_TakesLinearTime(string name)
    {
        var (pattern, syntax, ignoreCase, input, expected) = Cases[name];
        var compiled = GlobPattern.Compile(pattern, syntax);
        var tokens = GlobPattern.Tokenize(pattern, syntax, 0).ToArray();

        var compiledMs = Time(() => compiled.IsMatch(input, ignoreCase), expected);
        var tokenMs = Time(() => Glob.IsMatch(tokens, input, ignoreCase, syntax), expected);

        output.WriteLine($"{name}: {tokens.Length} tokens, {input.Length} characters: {compiledMs:F2} ms compiled, {tokenMs:F2} ms from tokens");
        Assert.True(compiledMs < LimitMs, $"{name}: {compiledMs:F1} ms");
        Assert.True(tokenMs < LimitMs, $"{name}: {tokenMs:F1} ms");
    }

    [Theory]
    [InlineData("", "a*", "b", "", Decision.ImplicitDeny)]
    [InlineData("", "a*", "b", "b", Decision.Allow)]
    [InlineData("", "a*", "${aws:username}", "alice", Decision.Allow)]
    [InlineData("", "a*", "${aws:username}", "bob", Decision.ImplicitDeny)]
    [InlineData("*", "a?", "b*", "", Decision.ImplicitDeny)]
    [InlineData("*", "a?", "b*", "b", Decision.Allow)]
    public void Decide_LargestStringLikeAgainstLongEncryptionContext_TakesLinearTime(
        string start, string unit, string end, string suffix, Decision expected)
    {
        var json = KeyPolicy(start + Repeat(unit, 14_800) + end);
        Assert.InRange(Encoding.UTF8.GetByteCount(json), 29_000, PolicyDocument.MaxDocumentBytes);
        var keyPolicy = PolicyDocument.Parse(json);
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:user/alice",
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.User,
            Username = "alice",
            Action = "kms:Decrypt",
            ResourceArn = KeyArn,
        }.SetEncryptionContext(new Dictionary<string, string> { ["k"] = LongA + suffix });

        var ms = Time(() => KmsAuthorization.Decide(request, keyPolicy, []).Decision == expected, true);

        output.WriteLine($"{json.Length} byte key policy, StringLike {start}{unit}{unit}...{end}, expected {expected}: {ms:F2} ms");
        Assert.True(ms < LimitMs, $"{ms:F1} ms");
    }

    [Theory]
    [InlineData("ForAnyValue:StringLike", "kms:EncryptionContextKeys", false)]
    [InlineData("StringLike", "kms:EncryptionContext:k", true)]
    public void Decide_ThousandsOfWildcardValuesAgainstTheLargestContext_IsRefusedWithinTheLimit(string op, string key, bool oneLongValue)
    {
        // Each comparison is linear, but a 30 KB policy of ~3,300 distinct wildcard values against an 8,192-character
        // context compares some 27 million characters (a third of a second): the comparison budget refuses it early.
        var values = string.Join(",", Enumerable.Range(0, 3300).Select(i => $"\"*{i % 10}?{i / 10}*\""));
        var keyPolicy = PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:Decrypt", "Resource": "*",
              "Condition": {"OP": {"KEY": [VALUES]}}}]}
            """.Replace("OP", op, StringComparison.Ordinal).Replace("KEY", key, StringComparison.Ordinal).Replace("VALUES", values, StringComparison.Ordinal));
        var context = oneLongValue
            ? new Dictionary<string, string> { ["k"] = new string('a', 8191) }
            : Enumerable.Range(0, 64).ToDictionary(i => new string((char)('a' + (i % 26)), 1 + (i / 26)) + new string('x', 124), _ => string.Empty);

        AuthorizationResult result = default;
        var ms = Time(
            () =>
            {
                var request = new RequestContext
                {
                    PrincipalArn = "arn:aws:iam::111122223333:user/alice",
                    PrincipalAccount = "111122223333",
                    Action = "kms:Decrypt",
                    ResourceArn = KeyArn,
                }.SetEncryptionContext(context);
                result = KmsAuthorization.Decide(request, keyPolicy, []);
                return request.ComparisonBudgetExceeded;
            },
            true);

        Assert.Equal(Decision.ExplicitDeny, result.Decision);
        Assert.Equal(DenialReason.EvaluationLimitExceeded, result.Reason);
        Assert.False(result.GrantMayAllow);
        Assert.True(ms < LimitMs, $"{ms:F1} ms");
    }

    [Fact]
    public void Decide_ManyValuesWithinTheBudget_DecidesAsUsual()
    {
        // 200 wildcard values against the largest context: 1.6 million characters, within the budget.
        var values = string.Join(",", Enumerable.Range(0, 199).Select(i => $"\"*q?z{i}*\"").Append("\"a*b\""));
        var keyPolicy = PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Statement": [
              {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:Decrypt",
               "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:k": [VALUES]}}},
              {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt", "Resource": "*",
               "Condition": {"StringLike": {"kms:EncryptionContext:k": [VALUES]}, "Bool": {"aws:SecureTransport": "true"}}}]}
            """.Replace("VALUES", values, StringComparison.Ordinal));
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:user/alice",
            PrincipalAccount = "111122223333",
            Action = "kms:Decrypt",
            ResourceArn = KeyArn,
        }.SetEncryptionContext(new Dictionary<string, string> { ["k"] = new string('a', 8190) + "b" }).Set("aws:SecureTransport", "false");

        Assert.Equal(Decision.Allow, KmsAuthorization.Decide(request, keyPolicy, []).Decision);
        Assert.False(request.ComparisonBudgetExceeded);
    }

    // One statement whose StringLike condition fills the document (about 30 KB).
    [Fact]
    public void ThreadCpuTime_OnLinux_CountsThisThreadsWork()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        // The clock the limits rely on must move with work done on this thread, and not be a constant.
        var before = ThreadCpuTime.Milliseconds()!.Value;
        var watch = Stopwatch.StartNew();
        var spin = 0L;
        while (watch.ElapsedMilliseconds < 30)
        {
            spin++;
        }

        var used = ThreadCpuTime.Milliseconds()!.Value - before;
        Assert.True(used > 1 && used <= watch.Elapsed.TotalMilliseconds + 5, $"thread CPU time {used} ms for {watch.Elapsed.TotalMilliseconds} ms of spinning ({spin} turns)");
    }

    private static string KeyPolicy(string pattern) => """
        {"Version": "2012-10-17", "Statement": [{"Sid": "Long", "Effect": "Allow",
          "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:Decrypt", "Resource": "*",
          "Condition": {"StringLike": {"kms:EncryptionContext:k": "PATTERN"}}}]}
        """.Replace("PATTERN", pattern, StringComparison.Ordinal);

    // Runs once to warm up, then times single runs and keeps the fastest of five: a quadratic matcher is never fast,
    // and one run preempted on a busy machine does not fail the test. The time is the CPU time of this thread where
    // the OS tells it (Linux), so other work on the machine (the service tests run beside these in CI) does not count.
    private static double Time(Func<bool> match, bool expected)
    {
        Assert.Equal(expected, match());
        var fastest = double.MaxValue;
        for (var i = 0; i < 5; i++)
        {
            var cpuBefore = ThreadCpuTime.Milliseconds();
            var watch = Stopwatch.StartNew();
            var result = match();
            watch.Stop();
            var cpuAfter = ThreadCpuTime.Milliseconds();
            Assert.Equal(expected, result);
            fastest = Math.Min(fastest, cpuBefore is { } b && cpuAfter is { } a ? a - b : watch.Elapsed.TotalMilliseconds);
        }

        return fastest;
    }

    private static string Repeat(string text, int count) => string.Concat(Enumerable.Repeat(text, count));

    // 200 characters outside ASCII in turn, each followed by the filler: too many for a table, too few to precompute.
    private static string NonAscii(int count, string filler) =>
        string.Concat(Enumerable.Range(0, count).Select(i => (char)(0x100 + (i % 200)) + filler));
}

/// <summary>Keeps the timed tests out of parallel runs.</summary>
[CollectionDefinition(nameof(GlobWorstCaseTests), DisableParallelization = true)]
public sealed class GlobWorstCaseRunsAlone;

/// <summary>The calling thread's CPU time (clock_gettime with CLOCK_THREAD_CPUTIME_ID), or null where it is not
/// available.</summary>
internal static partial class ThreadCpuTime
{
    private const int ClockThreadCpuTimeId = 3;

    public static double? Milliseconds()
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        return ClockGetTime(ClockThreadCpuTimeId, out var time) == 0 ? (time.Seconds * 1000.0) + (time.Nanoseconds / 1e6) : null;
    }

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }
}
