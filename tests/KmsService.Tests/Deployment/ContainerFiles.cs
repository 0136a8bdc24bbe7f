using System.Text.Json;
using System.Text.RegularExpressions;
using KmsService.Tests.Infrastructure;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace KmsService.Tests.Deployment;

/// <summary>One instruction of a Dockerfile: its keyword (upper case) and its arguments, continuation lines joined.</summary>
public sealed record DockerInstruction(string Keyword, string Arguments, int Line)
{
    /// <summary>The arguments of an exec-form instruction (<c>["dotnet", "app.dll"]</c>) after any <c>--flag</c>s
    /// and the <c>CMD</c> of a HEALTHCHECK; null for the shell form.</summary>
    public string[]? ExecForm()
    {
        var at = Arguments.IndexOf('[', StringComparison.Ordinal);
        return at < 0 ? null : JsonSerializer.Deserialize<string[]>(Arguments[at..]);
    }
}

/// <summary>One build stage: <c>FROM image [AS name]</c> and the instructions up to the next FROM.</summary>
public sealed record DockerStage(string Image, string? Name, IReadOnlyList<DockerInstruction> Instructions)
{
    public IEnumerable<DockerInstruction> All(string keyword) => Instructions.Where(i => i.Keyword == keyword);

    /// <summary>The environment the stage's ENV instructions set (later ones win), <c>KEY=VALUE</c> form.</summary>
    public IReadOnlyDictionary<string, string> Environment()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var instruction in All("ENV"))
        {
            foreach (var token in instruction.Arguments.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = token.IndexOf('=', StringComparison.Ordinal);
                Assert.True(eq > 0, $"Dockerfile line {instruction.Line}: ENV '{token}' is not KEY=VALUE (the legacy 'ENV KEY VALUE' form is not used here).");
                env[token[..eq]] = token[(eq + 1)..].Trim('"');
            }
        }

        return env;
    }
}

/// <summary>The repository's Dockerfile, parsed line by line (comments dropped, <c>\</c> continuations joined).</summary>
public sealed partial class Dockerfile
{
    private Dockerfile(IReadOnlyList<DockerStage> stages) => Stages = stages;

    public IReadOnlyList<DockerStage> Stages { get; }

    public DockerStage Runtime => Stages[^1];

    public static Dockerfile Load(string relativePath = "Dockerfile") => Parse(RepositoryFiles.Read(relativePath));

    public static Dockerfile Parse(string text)
    {
        var stages = new List<DockerStage>();
        List<DockerInstruction>? current = null;
        string? image = null, name = null;
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var start = i + 1;
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                var next = lines[++i].Trim();
                line = line[..^1].TrimEnd() + (next.StartsWith('#') ? "" : " " + next);
            }

            var space = line.IndexOfAny([' ', '\t']);
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                if (current is not null)
                {
                    stages.Add(new DockerStage(image!, name, current));
                }

                var from = FromPattern().Match(arguments);
                Assert.True(from.Success, $"Dockerfile line {start}: FROM '{arguments}' is not 'FROM [--platform=..] image [AS name]'.");
                image = from.Groups["image"].Value;
                name = from.Groups["name"].Success ? from.Groups["name"].Value : null;
                current = [];
            }
            else
            {
                Assert.True(current is not null || keyword is "ARG", $"Dockerfile line {start}: {keyword} before the first FROM.");
                current?.Add(new DockerInstruction(keyword, arguments, start));
            }
        }

        Assert.NotNull(current);
        stages.Add(new DockerStage(image!, name, current));
        return new Dockerfile(stages);
    }

    [GeneratedRegex(@"^(--platform=\S+\s+)?(?<image>\S+)(\s+AS\s+(?<name>\S+))?$", RegexOptions.IgnoreCase)]
    private static partial Regex FromPattern();
}

/// <summary>The repository's docker-compose.yml as plain YAML values (maps, lists, strings), anchors and
/// <c>&lt;&lt;</c> merge keys resolved as compose resolves them.</summary>
public sealed partial class ComposeFile
{
    private ComposeFile(IReadOnlyDictionary<object, object> root) => Root = root;

    public IReadOnlyDictionary<object, object> Root { get; }

    public IReadOnlyDictionary<object, object> Services => Map(Root, "services");

    public static ComposeFile Load(string relativePath = "docker-compose.yml") => Parse(RepositoryFiles.Read(relativePath));

    public static ComposeFile Parse(string text)
    {
        var parser = new MergingParser(new Parser(new StringReader(text)));
        var root = new DeserializerBuilder().Build().Deserialize<Dictionary<object, object>>(parser);
        return new ComposeFile(root);
    }

    /// <summary>The services running this repository's image (built from the Dockerfile at the root).</summary>
    public IEnumerable<(string Name, IReadOnlyDictionary<object, object> Service)> KmsServices =>
        Services.Select(s => ((string)s.Key, (IReadOnlyDictionary<object, object>)(Dictionary<object, object>)s.Value))
            .Where(s => s.Item2.TryGetValue("build", out var build) && BuildContext(build) is "." or "./");

    /// <summary>A service's environment (map or <c>KEY=VALUE</c> list form), with <c>${VAR:-default}</c> taken as
    /// its default, as compose does where VAR is unset.</summary>
    public static IReadOnlyDictionary<string, string> Environment(IReadOnlyDictionary<object, object> service)
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        if (!service.TryGetValue("environment", out var value))
        {
            return env;
        }

        if (value is Dictionary<object, object> map)
        {
            foreach (var (k, v) in map)
            {
                env[(string)k] = Interpolate(v as string ?? "");
            }
        }
        else
        {
            foreach (var entry in ((List<object>)value).Cast<string>())
            {
                var eq = entry.IndexOf('=', StringComparison.Ordinal);
                env[eq < 0 ? entry : entry[..eq]] = eq < 0 ? "" : Interpolate(entry[(eq + 1)..]);
            }
        }

        return env;
    }

    /// <summary>A service's bind mounts (short syntax <c>./source:/target[:mode]</c>) and named volumes.</summary>
    public static IEnumerable<(string Source, string Target)> Mounts(IReadOnlyDictionary<object, object> service) =>
        service.TryGetValue("volumes", out var volumes)
            ? ((List<object>)volumes).Cast<string>().Select(v => v.Split(':')).Select(p => (p[0], p[1]))
            : [];

    public static IReadOnlyList<string> List(IReadOnlyDictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) ? ((List<object>)value).Select(v => v as string ?? (string)((Dictionary<object, object>)v)["source"]).ToList() : [];

    public static IReadOnlyDictionary<object, object> Map(IReadOnlyDictionary<object, object> map, string key) =>
        map.TryGetValue(key, out var value) && value is Dictionary<object, object> found
            ? found
            : throw new Xunit.Sdk.XunitException($"'{key}' is missing or not a map.");

    public static IReadOnlyDictionary<object, object> Service(IReadOnlyDictionary<object, object> services, string name) => Map(services, name);

    private static string? BuildContext(object build) =>
        build as string ?? ((Dictionary<object, object>)build).GetValueOrDefault("context") as string;

    private static string Interpolate(string value) => Variable().Replace(value, m => m.Groups["default"].Value);

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(:?-(?<default>[^}]*))?\}")]
    private static partial Regex Variable();
}
