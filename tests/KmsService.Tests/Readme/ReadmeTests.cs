using System.Text.RegularExpressions;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Readme;

/// <summary>The README as a newcomer reads it: every code block carries a marker saying how CI checks it
/// (<c>.ci/readme-check</c> runs the runnable ones, and CI runs that script), the blocks it cannot run name a check
/// that exists, and the sections come in the order issue 12 asks for.</summary>
public sealed partial class ReadmeTests
{
    private static readonly string[] Kinds = ["serve", "run", "file", "metrics", "exists", "none"];

    [Fact]
    public void EveryCodeBlock_HasACheckMarker()
    {
        var unmarked = Blocks().Where(b => b.Marker is null).Select(b => $"line {b.Line}: {b.FirstLine}").ToList();

        Assert.True(unmarked.Count == 0, "README blocks without <!-- check: ... --> on the line before (see .ci/readme-check):\n" + string.Join('\n', unmarked));
        Assert.True(Blocks().Count() >= 30, "the README's blocks are found");
    }

    [Fact]
    public void EveryMarker_NamesAKindTheCheckerKnows()
    {
        foreach (var block in Blocks().Where(b => b.Marker is not null))
        {
            Assert.True(Kinds.Contains(block.Marker!.Kind), $"line {block.Line}: unknown check kind '{block.Marker.Kind}'");
            if (block.Marker.Kind is "run" or "file")
            {
                Assert.True(block.Marker.Options.ContainsKey("session"), $"line {block.Line}: a {block.Marker.Kind} block names its session");
            }
        }
    }

    [Fact]
    public void BlocksNotRun_NameAnExistingCheckThatContainsWhatItChecks()
    {
        foreach (var block in Blocks().Where(b => b.Marker?.Kind == "none"))
        {
            var options = block.Marker!.Options;
            Assert.True(options.ContainsKey("reason"), $"line {block.Line}: says why it is not run");
            Assert.True(options.TryGetValue("by", out var by), $"line {block.Line}: names what checks it (by=)");
            Assert.True(File.Exists(RepositoryFiles.PathOf(by)), $"line {block.Line}: by={by} does not exist");
            if (options.TryGetValue("grep", out var grep))
            {
                Assert.Contains(grep, RepositoryFiles.Read(by), StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Ci_RunsTheReadmeChecker()
    {
        Assert.Contains("python3 .ci/readme-check", RepositoryFiles.Read(".ci/run"), StringComparison.Ordinal);
        Assert.Contains(".ci/readme-check", RepositoryFiles.Read(".github/workflows/ci.yml"), StringComparison.Ordinal);
        Assert.True(File.Exists(RepositoryFiles.PathOf(".ci/readme-check")));
    }

    [Fact]
    public void SetUp_ShowsTheTwoCommands_AndSaysTheServiceBlocksItsTerminal()
    {
        var setUp = Section("Set up");
        var blocks = Blocks().Where(b => setUp.Contains(b.Text, StringComparison.Ordinal)).ToList();

        Assert.Equal(2, blocks.Count);
        Assert.Equal("serve", blocks[0].Marker?.Kind);
        Assert.Contains("\ndotnet run --project src/KmsService\n", "\n" + blocks[0].Text, StringComparison.Ordinal);
        Assert.Contains("\ndotnet test\n", "\n" + blocks[1].Text, StringComparison.Ordinal);
        Assert.Contains("blocks this terminal", setUp, StringComparison.Ordinal);
        Assert.Contains("second terminal", setUp, StringComparison.Ordinal);
    }

    [Fact]
    public void Sections_ComeInTheOrderANewcomerNeedsThem()
    {
        string[] order =
        [
            "## Set up", "## Quick start", "### AWS CLI", "### boto3", "### AWS SDK for .NET", "### AWS SDK for JavaScript v3",
            "### AWS Encryption SDK for JavaScript", "## Identities and seeding", "## Authorization", "## Docker and compose",
            "## Production", "## Several instances", "## Admin API", "## Health and metrics", "## Configuration reference",
            "## Using it in another project's CI",
        ];
        var headings = ReadmeLines().Where(l => l.StartsWith('#')).ToList();

        var positions = order.Select(h => headings.IndexOf(h)).ToList();
        Assert.DoesNotContain(-1, positions);
        Assert.Equal(positions.Order(), positions);
    }

    [Fact]
    public void QuickStart_RunsEachClientAgainstTheService()
    {
        var quickStart = Section("Quick start");
        var kinds = Blocks().Where(b => quickStart.Contains(b.Text, StringComparison.Ordinal)).Select(b => b.Marker?.Kind).ToList();

        Assert.All(kinds, k => Assert.True(k is "run" or "file", $"quick start blocks are run, not '{k}'"));
        Assert.Contains("@aws-crypto/client-node", quickStart, StringComparison.Ordinal);
        Assert.Contains("clientProvider", quickStart, StringComparison.Ordinal);
    }

    [Fact]
    public void MarkerParser_ReadsKindAndQuotedOptions()
    {
        var marker = Marker.Parse("""run session=cli expect="a b" expect='"x":1' by=.ci/run""");

        Assert.Equal("run", marker.Kind);
        Assert.Equal("cli", marker.Options["session"]);
        Assert.Equal(".ci/run", marker.Options["by"]);
        Assert.Equal("\"x\":1", marker.Options["expect"]);   // the last of a repeated option
    }

    private static string[] ReadmeLines() => RepositoryFiles.Read("README.md").Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    /// <summary>The text of a <c>##</c> section, up to the next <c>##</c> heading.</summary>
    private static string Section(string title)
    {
        var lines = ReadmeLines();
        var start = Array.IndexOf(lines, "## " + title);
        Assert.True(start >= 0, $"no section '## {title}'");
        var end = Array.FindIndex(lines, start + 1, l => l.StartsWith("## ", StringComparison.Ordinal));
        return string.Join('\n', lines[start..(end < 0 ? lines.Length : end)]) + "\n";
    }

    /// <summary>Every fenced block (as .ci/readme-check reads them), with the marker on the line before it.</summary>
    private static IEnumerable<Block> Blocks()
    {
        var lines = ReadmeLines();
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = Fence().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var end = i + 1;
            while (end < lines.Length && lines[end].Trim() != fence.Groups["fence"].Value)
            {
                end++;
            }

            var marker = i > 0 ? MarkerLine().Match(lines[i - 1]) : Match.Empty;
            var text = string.Join('\n', lines[(i + 1)..Math.Min(end, lines.Length)]) + "\n";
            yield return new Block(i + 1, marker.Success ? Marker.Parse(marker.Groups["body"].Value) : null, text);
            i = end;
        }
    }

    private sealed record Block(int Line, Marker? Marker, string Text)
    {
        public string FirstLine => Text.Split('\n')[0];
    }

    private sealed partial record Marker(string Kind, IReadOnlyDictionary<string, string> Options)
    {
        public static Marker Parse(string body)
        {
            var kind = body.Split(' ', 2)[0];
            var options = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match option in OptionPattern().Matches(body[kind.Length..]))
            {
                options[option.Groups["key"].Value] = option.Groups["dq"].Success ? option.Groups["dq"].Value
                    : option.Groups["sq"].Success ? option.Groups["sq"].Value : option.Groups["bare"].Value;
            }

            return new Marker(kind, options);
        }

        [GeneratedRegex("""(?<key>[a-z-]+)=(?:"(?<dq>[^"]*)"|'(?<sq>[^']*)'|(?<bare>\S+))""")]
        private static partial Regex OptionPattern();
    }

    [GeneratedRegex("^(?<fence>```+|~~~+)[^`\\s]*\\s*$")]
    private static partial Regex Fence();

    [GeneratedRegex("^<!-- check: (?<body>.*?) -->\\s*$")]
    private static partial Regex MarkerLine();
}
