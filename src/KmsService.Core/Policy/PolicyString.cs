using System.Buffers;
using System.Text;

namespace KmsService.Core.Policy;

/// <summary>
/// A Resource or condition value, compiled once: plain text, or text with policy variables (<c>${aws:username}</c>)
/// resolved from the request at evaluation time. IAM User Guide, "IAM policy elements: Variables and tags".
/// </summary>
internal sealed class PolicyString
{
    private const int StackTokens = 256;

    private readonly Part[]? _parts;
    private readonly GlobPattern? _glob;
    private readonly GlobSyntax _syntax;

    private PolicyString(string text, Part[]? parts, GlobPattern? glob, GlobSyntax? syntax)
    {
        Text = text;
        _parts = parts;
        _glob = glob;
        _syntax = syntax ?? GlobSyntax.Plain;
    }

    /// <summary>The value as written in the policy.</summary>
    public string Text { get; }

    /// <summary>True for a pattern that matches anything (<c>"*"</c>).</summary>
    public bool IsAny => _glob is { IsAny: true };

    /// <summary>Compiles a value; variables are read only when <paramref name="allowVariables"/> (Version 2012-10-17).</summary>
    public static PolicyString Compile(string text, bool allowVariables, GlobSyntax? syntax)
    {
        // IAM: policy variables need "Version": "2012-10-17"; under 2008-10-17 "${...}" is literal text.
        var parts = allowVariables && text.Contains("${", StringComparison.Ordinal) ? Split(text, syntax) : null;
        if (parts is [{ VariableKey: null } only])
        {
            // Only escapes such as ${*}: one literal part whose wildcards are already literal tokens.
            return new PolicyString(only.Literal!, null, syntax is { } s ? new GlobPattern(only.Tokens!, s) : null, syntax);
        }

        return new PolicyString(text, parts, parts is null && syntax is { } g ? GlobPattern.Compile(text, g) : null, syntax);
    }

    /// <summary>Exact comparison (StringEquals, StringEqualsIgnoreCase, Bool).</summary>
    public bool EqualsValue(ReadOnlySpan<char> input, StringComparison comparison, RequestContext request)
    {
        if (_parts is null)
        {
            return input.Equals(Text, comparison);
        }

        var position = 0;
        foreach (var part in _parts)
        {
            var text = part.Literal;
            if (part.VariableKey is not null && !TryResolve(part, request, out text))
            {
                // INVARIANT: an unresolvable variable makes this value not match.
                return false;
            }

            if (!input[position..].StartsWith(text, comparison))
            {
                return false;
            }

            position += text!.Length;
        }

        return position == input.Length;
    }

    /// <summary>Wildcard comparison (StringLike, ArnLike, Resource).</summary>
    public bool IsLike(ReadOnlySpan<char> input, bool ignoreCase, RequestContext request)
    {
        if (_parts is null)
        {
            return _glob!.IsMatch(input, ignoreCase);
        }

        var count = 0;
        var required = 0;
        foreach (var part in _parts)
        {
            if (part.VariableKey is null)
            {
                count += part.Tokens!.Length;
                required += part.Required;
            }
            else if (TryResolve(part, request, out var value))
            {
                count += value!.Length;
                required += value.Length;
            }
            else
            {
                return false;
            }
        }

        // Every token but a star takes one character: a pattern needing more than the input has cannot match, and
        // this bounds the buffer by the input plus the policy's own stars, however often a long variable repeats.
        if (required > input.Length)
        {
            return false;
        }

        GlobToken[]? rented = null;
        Span<GlobToken> buffer = count <= StackTokens
            ? stackalloc GlobToken[StackTokens]
            : (rented = ArrayPool<GlobToken>.Shared.Rent(count));
        try
        {
            return Glob.IsMatch(buffer[..Fill(buffer, request)], input, ignoreCase, _syntax);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<GlobToken>.Shared.Return(rented);
            }
        }
    }

    // Writes the pattern's tokens with each variable's value as literal tokens; returns how many were written.
    private int Fill(Span<GlobToken> buffer, RequestContext request)
    {
        var written = 0;
        foreach (var part in _parts!)
        {
            if (part.VariableKey is null)
            {
                part.Tokens.AsSpan().CopyTo(buffer[written..]);
                written += part.Tokens!.Length;
            }
            else
            {
                TryResolve(part, request, out var value);
                foreach (var c in value!)
                {
                    // A variable's value is literal text: a '*' in a user name is not a wildcard.
                    buffer[written++] = new GlobToken(GlobKind.Literal, c);
                }
            }
        }

        return written;
    }

    private static bool TryResolve(Part part, RequestContext request, out string? value)
    {
        if (request.TryGet(part.Key!, out var found) && found.Count == 1 && !found.IsSet)
        {
            value = found[0];
            return true;
        }

        // IAM: "${aws:username, 'default'}" supplies a default when the key is missing; multivalued keys
        // cannot be used as variables.
        value = part.Default;
        return value is not null;
    }

    private static Part[]? Split(string text, GlobSyntax? syntax)
    {
        var parts = new List<Part>();
        var literal = new StringBuilder();
        var colons = 0;
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var end = text.IndexOf('}', i + 2);
                if (end < 0)
                {
                    literal.Append(text, i, text.Length - i);
                    break;
                }

                var inner = text.AsSpan(i + 2, end - i - 2).Trim();
                if (inner is "*" or "?" or "$")
                {
                    // IAM: ${*}, ${?} and ${$} stand for the literal characters.
                    literal.Append(inner[0] == '$' ? '$' : inner[0] == '*' ? '\u0001' : '\u0002');
                }
                else
                {
                    Flush(parts, literal, syntax, ref colons);
                    parts.Add(Variable(inner));
                }

                i = end + 1;
                continue;
            }

            literal.Append(text[i]);
            i++;
        }

        Flush(parts, literal, syntax, ref colons);
        return [.. parts];
    }

    private static Part Variable(ReadOnlySpan<char> inner)
    {
        var comma = inner.IndexOf(',');
        if (comma < 0)
        {
            var name = inner.ToString();
            return new Part(null, null, 0, name, ConditionKey.Resolve(name), null);
        }

        var key = inner[..comma].Trim().ToString();
        var fallback = inner[(comma + 1)..].Trim();
        if (fallback.Length >= 2 && fallback[0] == '\'' && fallback[^1] == '\'')
        {
            fallback = fallback[1..^1];
        }

        return new Part(null, null, 0, key, ConditionKey.Resolve(key), fallback.ToString());
    }

    private static void Flush(List<Part> parts, StringBuilder literal, GlobSyntax? syntax, ref int colons)
    {
        if (literal.Length == 0)
        {
            return;
        }

        var raw = literal.ToString();
        literal.Clear();
        var tokens = syntax is { } s ? TokenizeLiteral(raw, s, colons) : null;
        foreach (var c in raw)
        {
            colons += c == ':' ? 1 : 0;
        }

        var required = 0;
        foreach (var token in tokens ?? [])
        {
            required += token.IsStar ? 0 : 1;
        }

        parts.Add(new Part(Restore(raw), tokens, required, null, null, null));
    }

    // Escaped wildcards are carried as \u0001 (*) and \u0002 (?) until tokenized, then become literal characters.
    private static GlobToken[] TokenizeLiteral(string raw, GlobSyntax syntax, int colons)
    {
        var tokens = GlobPattern.Tokenize(raw, syntax, colons);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (tokens[i].Value is '\u0001' or '\u0002')
            {
                tokens[i] = new GlobToken(GlobKind.Literal, tokens[i].Value == '\u0001' ? '*' : '?');
            }
        }

        return [.. tokens];
    }

    private static string Restore(string raw) => raw.Replace('\u0001', '*').Replace('\u0002', '?');

    // Required: how many input characters the literal part's tokens take (all but its stars).
    private sealed record Part(
        string? Literal, GlobToken[]? Tokens, int Required, string? VariableKey, ConditionKey? Key, string? Default);
}
