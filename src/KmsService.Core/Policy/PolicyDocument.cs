using System.Text;
using System.Text.Json;
using KmsService.Core.Errors;

namespace KmsService.Core.Policy;

/// <summary>
/// A key policy or identity policy parsed, validated and compiled once (IAM JSON policy grammar); immutable and
/// safe to share between requests. Invalid documents raise <see cref="MalformedPolicyDocumentException"/>.
/// </summary>
public sealed class PolicyDocument
{
    /// <summary>KMS key policy limit: "up to 32 KB (32,768 bytes)" (KMS Developer Guide, Key policy format).</summary>
    public const int MaxDocumentBytes = 32768;

    /// <summary>Version 2012-10-17: the current language, with policy variables.</summary>
    public const string Version2012 = "2012-10-17";

    /// <summary>Version 2008-10-17: the original language; no policy variables.</summary>
    public const string Version2008 = "2008-10-17";

    private static readonly JsonDocumentOptions JsonOptions = new()
    {
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
        MaxDepth = 16,
    };

    private PolicyDocument(PolicyKind kind, string? version, string? id, PolicyStatement[] statements)
    {
        Kind = kind;
        Version = version;
        Id = id;
        Statements = statements;
    }

    /// <summary>About how many bytes the compiled document keeps alive (an estimate for bounding caches): each string
    /// of the document compiles to a few objects, each wildcard pattern with a small table, so a 32 KB document of
    /// thousands of short patterns costs far more than its text.</summary>
    public long EstimatedSize { get; private set; }

    /// <summary>Key policy or identity policy.</summary>
    public PolicyKind Kind { get; }

    /// <summary>The Version element; null when absent (IAM then reads the document as 2008-10-17).</summary>
    public string? Version { get; }

    /// <summary>The Id element, if any.</summary>
    public string? Id { get; }

    /// <summary>The statements in document order.</summary>
    public IReadOnlyList<PolicyStatement> Statements { get; }

    internal PolicyStatement[] StatementArray => (PolicyStatement[])Statements;

    /// <summary>Parses a key policy (statements must name a Principal).</summary>
    public static PolicyDocument Parse(string json) => Parse(json, PolicyKind.KeyPolicy);

    /// <summary>Parses a policy of the given kind, up to <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static PolicyDocument Parse(string json, PolicyKind kind, int maxBytes = MaxDocumentBytes)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (Encoding.UTF8.GetByteCount(json) > maxBytes)
        {
            throw Malformed($"The policy document exceeds the maximum size of {maxBytes} bytes.");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json, JsonOptions);
        }
        catch (JsonException)
        {
            throw Malformed("The policy document is not valid JSON.");
        }

        using (document)
        {
            // Measured on documents of thousands of short wildcard values: about 550 bytes kept per string, and a few
            // bytes per character; the count of quotes bounds the count of strings.
            var policy = Read(document.RootElement, kind);
            policy.EstimatedSize = (4L * json.Length) + (600L * (json.AsSpan().Count('"') / 2));
            return policy;
        }
    }

    private static PolicyDocument Read(JsonElement root, PolicyKind kind)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("The policy document must be a JSON object.");
        }

        string? version = null;
        string? id = null;
        JsonElement? statement = null;
        foreach (var member in Members(root, "Policy document"))
        {
            switch (member.Name)
            {
                case "Version":
                    version = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() : null;
                    if (version is not (Version2012 or Version2008))
                    {
                        throw Malformed($"The policy document has an unsupported Version; use \"{Version2012}\" or \"{Version2008}\".");
                    }

                    break;
                case "Id":
                    id = member.Value.ValueKind == JsonValueKind.String
                        ? member.Value.GetString()
                        : throw Malformed("The Id element must be a string.");
                    break;
                case "Statement":
                    statement = member.Value;
                    break;
                default:
                    throw Malformed($"The policy document contains an unsupported element \"{member.Name}\".");
            }
        }

        if (statement is not { } s)
        {
            throw Malformed("The policy document must contain a Statement element.");
        }

        var elements = s.ValueKind switch
        {
            JsonValueKind.Object => [s],
            JsonValueKind.Array => s.EnumerateArray().ToArray(),
            _ => throw Malformed("The Statement element must be an object or an array of objects."),
        };

        // IAM: policy variables are recognized only in Version 2012-10-17 documents.
        var variables = version == Version2012;
        var sids = new HashSet<string>(StringComparer.Ordinal);
        var statements = new PolicyStatement[elements.Length];
        for (var i = 0; i < elements.Length; i++)
        {
            statements[i] = ReadStatement(elements[i], i, kind, variables);
            if (statements[i].Sid is { } sid && !sids.Add(sid))
            {
                throw Malformed($"Statement IDs (SID) in a single policy must be unique; \"{sid}\" is repeated.");
            }
        }

        return new PolicyDocument(kind, version, id, statements);
    }

    private static PolicyStatement ReadStatement(JsonElement element, int index, PolicyKind kind, bool variables)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("The Statement element must be an object or an array of objects.");
        }

        string? sid = null;
        PolicyEffect? effect = null;
        PrincipalSet? principal = null;
        PrincipalSet? notPrincipal = null;
        string[]? actions = null;
        var notAction = false;
        string[]? resources = null;
        var notResource = false;
        var conditions = new List<ConditionClause>();
        foreach (var member in Members(element, "Policy statement"))
        {
            switch (member.Name)
            {
                case "Sid":
                    sid = member.Value.ValueKind == JsonValueKind.String
                        ? member.Value.GetString()
                        : throw Malformed("The Sid element must be a string.");
                    break;
                case "Effect":
                    effect = member.Value.ValueKind == JsonValueKind.String ? member.Value.GetString() switch
                    {
                        "Allow" => PolicyEffect.Allow,
                        "Deny" => PolicyEffect.Deny,
                        _ => null,
                    } : null;
                    if (effect is null)
                    {
                        throw Malformed("Policy statement has an invalid Effect; use \"Allow\" or \"Deny\".");
                    }

                    break;
                case "Principal" or "NotPrincipal":
                    if (principal is not null || notPrincipal is not null)
                    {
                        throw Malformed("Policy statement must not contain both Principal and NotPrincipal.");
                    }

                    if (kind == PolicyKind.IdentityPolicy)
                    {
                        throw Malformed("Policy document should not specify a principal.");
                    }

                    var set = ReadPrincipal(member.Value);
                    principal = member.Name == "Principal" ? set : null;
                    notPrincipal = member.Name == "NotPrincipal" ? set : null;
                    break;
                case "Action" or "NotAction":
                    if (actions is not null)
                    {
                        throw Malformed("Policy statement must contain exactly one of Action or NotAction.");
                    }

                    actions = Strings(member.Value, $"The {member.Name} element");
                    notAction = member.Name == "NotAction";
                    break;
                case "Resource" or "NotResource":
                    if (resources is not null)
                    {
                        throw Malformed("Policy statement must contain exactly one of Resource or NotResource.");
                    }

                    resources = Strings(member.Value, $"The {member.Name} element");
                    notResource = member.Name == "NotResource";
                    break;
                case "Condition":
                    ReadConditions(member.Value, variables, conditions);
                    break;
                default:
                    throw Malformed($"Policy statement contains an unsupported element \"{member.Name}\".");
            }
        }

        if (effect is null)
        {
            throw Malformed("Policy statement must contain an Effect of \"Allow\" or \"Deny\".");
        }

        if (actions is null)
        {
            throw Malformed("Policy statement must contain exactly one of Action or NotAction.");
        }

        if (resources is null)
        {
            throw Malformed("Policy statement must contain exactly one of Resource or NotResource.");
        }

        if (kind == PolicyKind.KeyPolicy && principal is null && notPrincipal is null)
        {
            throw Malformed("Policy contains a statement with no principal; key policy statements need Principal or NotPrincipal.");
        }

        var actionPatterns = Array.ConvertAll(actions, a => IsValidAction(a)
            ? GlobPattern.Compile(a, GlobSyntax.Plain)
            : throw Malformed($"Policy statement contains an invalid action \"{a}\"."));
        var resourcePatterns = Array.ConvertAll(resources, r => r == "*" || (r.StartsWith("arn:", StringComparison.Ordinal) && r.Length > 4)
            ? PolicyString.Compile(r, variables, GlobSyntax.Resource)
            : throw Malformed($"Policy statement contains an invalid resource \"{r}\"; use an ARN or \"*\"."));
        return new PolicyStatement(index, sid, effect.Value, principal, notPrincipal, actionPatterns, notAction,
            resourcePatterns, notResource, [.. conditions]);
    }

    private static PrincipalSet ReadPrincipal(JsonElement element)
    {
        const string Invalid = "Policy contains a statement with one or more invalid principals.";
        if (element.ValueKind == JsonValueKind.String)
        {
            return element.GetString() == "*" ? new PrincipalSet(true, [], [], []) : throw Malformed(Invalid);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(Invalid);
        }

        var everyone = false;
        var arns = new List<string>();
        var accounts = new List<string>();
        var services = new List<string>();
        var any = false;
        foreach (var member in Members(element, "Principal"))
        {
            var values = Strings(member.Value, Invalid, exactMessage: true);
            foreach (var value in values)
            {
                any = true;
                switch (member.Name)
                {
                    case "AWS" when value == "*":
                        everyone = true;
                        break;
                    case "AWS" when IsAccountId(value):
                        // KMS: an account id principal means the account, arn:aws:iam::ACCOUNT:root.
                        accounts.Add(value);
                        break;
                    case "AWS" when TryParsePrincipalArn(value, out var rootAccount):
                        if (rootAccount is not null)
                        {
                            accounts.Add(rootAccount);
                        }
                        else
                        {
                            arns.Add(value);
                        }

                        break;
                    case "Service" when value.Length > 0 && value.AsSpan().IndexOfAny("*? \t") < 0:
                        services.Add(value);
                        break;
                    default:
                        throw Malformed(Invalid);
                }
            }
        }

        return any ? new PrincipalSet(everyone, [.. arns], [.. accounts], [.. services]) : throw Malformed(Invalid);
    }

    // arn:PARTITION:iam::ACCOUNT:root | user/... | role/...; arn:PARTITION:sts::ACCOUNT:assumed-role/R/S | federated-user/N.
    // No wildcards: IAM does not allow partial wildcards in Principal.
    private static bool TryParsePrincipalArn(string arn, out string? rootAccount)
    {
        rootAccount = null;
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[0] != "arn" || parts[1].Length == 0 || parts[3].Length != 0
            || !IsAccountId(parts[4]) || arn.AsSpan().IndexOfAny("*?") >= 0)
        {
            return false;
        }

        var resource = parts[5];
        switch (parts[2])
        {
            case "iam" when resource == "root":
                rootAccount = parts[4];
                return true;
            case "iam":
                return (resource.StartsWith("user/", StringComparison.Ordinal) || resource.StartsWith("role/", StringComparison.Ordinal))
                       && !resource.EndsWith('/');
            case "sts":
                return (resource.StartsWith("assumed-role/", StringComparison.Ordinal) && resource.Split('/').Length == 3
                        && !resource.EndsWith('/'))
                       || (resource.StartsWith("federated-user/", StringComparison.Ordinal) && resource.Length > "federated-user/".Length);
            default:
                return false;
        }
    }

    private static bool IsAccountId(string value) => value.Length == 12 && value.AsSpan().IndexOfAnyExceptInRange('0', '9') < 0;

    // "*" or service:pattern, where the service prefix is letters, digits and '-' and the name adds * and ?.
    private static bool IsValidAction(string action)
    {
        if (action == "*")
        {
            return true;
        }

        var colon = action.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == action.Length - 1)
        {
            return false;
        }

        foreach (var c in action.AsSpan(0, colon))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-')
            {
                return false;
            }
        }

        foreach (var c in action.AsSpan(colon + 1))
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('*' or '?' or '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static void ReadConditions(JsonElement element, bool variables, List<ConditionClause> clauses)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw Malformed("The Condition element must be an object of condition operators.");
        }

        foreach (var block in Members(element, "Condition"))
        {
            if (!ConditionOperator.TryParse(block.Name, out var op))
            {
                throw Malformed($"Policy statement contains an unsupported condition operator \"{block.Name}\".");
            }

            if (block.Value.ValueKind != JsonValueKind.Object)
            {
                throw Malformed($"The condition operator \"{block.Name}\" must map condition keys to values.");
            }

            foreach (var key in Members(block.Value, block.Name))
            {
                if (key.Name.Length == 0)
                {
                    throw Malformed($"The condition operator \"{block.Name}\" has an empty condition key.");
                }

                var values = Strings(key.Value, $"The condition key \"{key.Name}\"");
                clauses.Add(ConditionClause.Create(op, key.Name, values, variables));
            }
        }
    }

    // A string or a non-empty array of strings; condition values may also be JSON numbers or booleans.
    private static string[] Strings(JsonElement element, string what, bool exactMessage = false)
    {
        var message = exactMessage ? what : $"{what} must be a string or a non-empty array of strings.";
        if (element.ValueKind == JsonValueKind.Array)
        {
            var values = new string[element.GetArrayLength()];
            if (values.Length == 0)
            {
                throw Malformed(message);
            }

            var i = 0;
            foreach (var item in element.EnumerateArray())
            {
                values[i++] = Scalar(item) ?? throw Malformed(message);
            }

            return values;
        }

        return [Scalar(element) ?? throw Malformed(message)];
    }

    private static string? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };

    // Object members with duplicate names refused: JSON parsers disagree on which one wins.
    private static List<JsonProperty> Members(JsonElement element, string where)
    {
        var members = new List<JsonProperty>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var member in element.EnumerateObject())
        {
            if (!names.Add(member.Name))
            {
                throw Malformed($"{where} contains the element \"{member.Name}\" more than once.");
            }

            members.Add(member);
        }

        return members;
    }

    private static MalformedPolicyDocumentException Malformed(string message) => new(message);
}
