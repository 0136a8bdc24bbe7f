using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace KmsService.Core.Policy;

/// <summary>The comparison an operator makes, before negation, qualifiers and IfExists.</summary>
internal enum ConditionTest : byte
{
    StringEquals,
    StringEqualsIgnoreCase,
    StringLike,
    NumericEquals,
    NumericLessThan,
    NumericLessThanEquals,
    NumericGreaterThan,
    NumericGreaterThanEquals,
    DateEquals,
    DateLessThan,
    DateLessThanEquals,
    DateGreaterThan,
    DateGreaterThanEquals,
    Bool,
    BinaryEquals,
    IpAddress,
    ArnLike,
    Null,
}

/// <summary>ForAnyValue: / ForAllValues: set qualifier.</summary>
internal enum SetQualifier : byte
{
    None,
    ForAnyValue,
    ForAllValues,
}

/// <summary>One condition operator parsed from its name, e.g. <c>ForAllValues:StringNotLikeIfExists</c>.</summary>
internal readonly record struct ConditionOperator(ConditionTest Test, bool Negated, bool IfExists, SetQualifier Qualifier)
{
    private static readonly Dictionary<string, (ConditionTest Test, bool Negated)> Operators =
        new(StringComparer.Ordinal)
        {
            ["StringEquals"] = (ConditionTest.StringEquals, false),
            ["StringNotEquals"] = (ConditionTest.StringEquals, true),
            ["StringEqualsIgnoreCase"] = (ConditionTest.StringEqualsIgnoreCase, false),
            ["StringNotEqualsIgnoreCase"] = (ConditionTest.StringEqualsIgnoreCase, true),
            ["StringLike"] = (ConditionTest.StringLike, false),
            ["StringNotLike"] = (ConditionTest.StringLike, true),
            ["NumericEquals"] = (ConditionTest.NumericEquals, false),
            ["NumericNotEquals"] = (ConditionTest.NumericEquals, true),
            ["NumericLessThan"] = (ConditionTest.NumericLessThan, false),
            ["NumericLessThanEquals"] = (ConditionTest.NumericLessThanEquals, false),
            ["NumericGreaterThan"] = (ConditionTest.NumericGreaterThan, false),
            ["NumericGreaterThanEquals"] = (ConditionTest.NumericGreaterThanEquals, false),
            ["DateEquals"] = (ConditionTest.DateEquals, false),
            ["DateNotEquals"] = (ConditionTest.DateEquals, true),
            ["DateLessThan"] = (ConditionTest.DateLessThan, false),
            ["DateLessThanEquals"] = (ConditionTest.DateLessThanEquals, false),
            ["DateGreaterThan"] = (ConditionTest.DateGreaterThan, false),
            ["DateGreaterThanEquals"] = (ConditionTest.DateGreaterThanEquals, false),
            ["Bool"] = (ConditionTest.Bool, false),
            ["BinaryEquals"] = (ConditionTest.BinaryEquals, false),
            ["IpAddress"] = (ConditionTest.IpAddress, false),
            ["NotIpAddress"] = (ConditionTest.IpAddress, true),
            // IAM: ArnEquals and ArnLike behave the same (both accept * and ? per ARN component).
            ["ArnEquals"] = (ConditionTest.ArnLike, false),
            ["ArnLike"] = (ConditionTest.ArnLike, false),
            ["ArnNotEquals"] = (ConditionTest.ArnLike, true),
            ["ArnNotLike"] = (ConditionTest.ArnLike, true),
            ["Null"] = (ConditionTest.Null, false),
        };

    /// <summary>Parses an operator name; false for anything IAM does not define (operator names are case-sensitive).</summary>
    public static bool TryParse(string name, out ConditionOperator op)
    {
        op = default;
        var rest = name.AsSpan();
        var qualifier = SetQualifier.None;
        if (rest.StartsWith("ForAnyValue:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAnyValue;
            rest = rest["ForAnyValue:".Length..];
        }
        else if (rest.StartsWith("ForAllValues:", StringComparison.Ordinal))
        {
            qualifier = SetQualifier.ForAllValues;
            rest = rest["ForAllValues:".Length..];
        }

        var ifExists = rest.EndsWith("IfExists", StringComparison.Ordinal);
        if (ifExists)
        {
            rest = rest[..^"IfExists".Length];
        }

        var lookup = Operators.GetAlternateLookup<ReadOnlySpan<char>>();
        if (!lookup.TryGetValue(rest, out var found))
        {
            return false;
        }

        // IAM: Null tests existence itself, so there is no NullIfExists and no set form of it.
        if (found.Test == ConditionTest.Null && (ifExists || qualifier != SetQualifier.None))
        {
            return false;
        }

        op = new ConditionOperator(found.Test, found.Negated, ifExists, qualifier);
        return true;
    }
}

/// <summary>One operator/key pair of a Condition block with its compiled values.</summary>
internal sealed class ConditionClause
{
    private readonly ConditionOperator _op;
    private readonly ConditionKey _key;
    private readonly PolicyString[] _strings;
    private readonly double[] _numbers;
    private readonly long[] _dates;
    private readonly byte[][] _binaries;
    private readonly IpRange[] _ranges;

    private ConditionClause(ConditionOperator op, string key, string[] values, bool allowVariables)
    {
        _op = op;
        _key = ConditionKey.Resolve(key);
        _strings = [];
        _numbers = [];
        _dates = [];
        _binaries = [];
        _ranges = [];
        switch (op.Test)
        {
            case ConditionTest.StringEquals or ConditionTest.StringEqualsIgnoreCase or ConditionTest.StringLike
                or ConditionTest.Bool or ConditionTest.Null:
                _strings = Array.ConvertAll(values, v => PolicyString.Compile(v, allowVariables, GlobSyntax.Plain));
                break;
            case ConditionTest.ArnLike:
                _strings = Array.ConvertAll(values, v => PolicyString.Compile(v, allowVariables, GlobSyntax.Arn));
                break;
            case ConditionTest.BinaryEquals:
                _binaries = Array.ConvertAll(values, v => TryBase64(v) ?? throw Malformed(op, key, v));
                break;
            case ConditionTest.IpAddress:
                _ranges = Array.ConvertAll(values, v => IpRange.TryParse(v, out var range) ? range : throw Malformed(op, key, v));
                break;
            case >= ConditionTest.DateEquals and <= ConditionTest.DateGreaterThanEquals:
                _dates = Array.ConvertAll(values, v => TryParseDate(v, out var ticks) ? ticks : throw Malformed(op, key, v));
                break;
            default:
                _numbers = Array.ConvertAll(values, v => double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                    ? d : throw Malformed(op, key, v));
                break;
        }
    }

    public static ConditionClause Create(ConditionOperator op, string key, string[] values, bool allowVariables) =>
        new(op, key, values, allowVariables);

    /// <summary>Evaluates the clause: multiple policy values are OR-ed (negated operators: none may match).</summary>
    /// <param name="request">The request.</param>
    /// <param name="inAllow">True for a clause of an Allow statement, false for a Deny. Where the answer is in doubt
    /// the clause fails closed: it does not hold in an Allow, it holds in a Deny. That is so for a key the request gives
    /// several values under names that differ only in case (<see cref="ConditionValue.IsAmbiguous"/>: an Allow must
    /// hold for each value, a Deny for one), and once the request's <see cref="RequestContext.ComparisonBudget"/> is
    /// spent.</param>
    public bool Evaluate(RequestContext request, bool inAllow)
    {
        var present = request.TryGet(_key, out var value) && value.Count > 0;
        bool holds;
        if (present && value.IsAmbiguous)
        {
            holds = inAllow;
            for (var i = 0; i < value.Count; i++)
            {
                if (Evaluate(ConditionValue.Of(value[i]), present: true, request) != inAllow)
                {
                    holds = !inAllow;
                    break;
                }
            }
        }
        else
        {
            holds = Evaluate(value, present, request);
        }

        return request.ComparisonBudgetExceeded ? !inAllow : holds;
    }

    private bool Evaluate(ConditionValue value, bool present, RequestContext request)
    {
        if (_op.Test == ConditionTest.Null)
        {
            // IAM: Null "true" matches when the key is absent (or an empty set); "false" when it is present.
            foreach (var expected in _strings)
            {
                if (expected.Text.Equals(present ? "false" : "true", StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }

            return false;
        }

        if (!present)
        {
            // IAM ...IfExists: "If the policy key is not present in the request context, the condition is true."
            if (_op.IfExists)
            {
                return true;
            }

            // IAM "Set operators for multivalued context keys": ForAllValues also returns true when the key is missing
            // or its set is empty; ForAnyValue returns false.
            return _op.Qualifier switch
            {
                SetQualifier.ForAllValues => true,
                SetQualifier.ForAnyValue => false,
                // IAM "Condition operators" (Important): a missing key does not match, so the condition is false; a
                // negated operator (StringNotEquals, StringNotLike, ArnNotLike, NotIpAddress, ...) is then true.
                _ => _op.Negated,
            };
        }

        if (_op.Qualifier == SetQualifier.ForAllValues)
        {
            // IAM: true when every request value satisfies the operator.
            for (var i = 0; i < value.Count; i++)
            {
                if (MatchesAny(value[i], request) == _op.Negated)
                {
                    return false;
                }
            }

            return true;
        }

        if (_op.Qualifier == SetQualifier.ForAnyValue)
        {
            // IAM: true when at least one request value satisfies the operator.
            for (var i = 0; i < value.Count; i++)
            {
                if (MatchesAny(value[i], request) != _op.Negated)
                {
                    return true;
                }
            }

            return false;
        }

        // No qualifier: a single-valued key (a set without a qualifier is read as "any of its values").
        // IAM "Evaluation logic for negated matching condition operators": a negated operator with several values
        // is true only when the request value matches none of them.
        var any = false;
        for (var i = 0; i < value.Count && !any; i++)
        {
            any = MatchesAny(value[i], request);
        }

        return any != _op.Negated;
    }

    // True when the request value matches at least one policy value under the non-negated test.
    private bool MatchesAny(string actual, RequestContext request)
    {
        // Every policy value may be compared with the whole request value: count that against the request's budget.
        if (!request.Charge((long)actual.Length * Math.Max(1, _strings.Length)))
        {
            return false;
        }

        switch (_op.Test)
        {
            case ConditionTest.StringEquals:
                foreach (var s in _strings)
                {
                    if (s.EqualsValue(actual, StringComparison.Ordinal, request))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionTest.StringEqualsIgnoreCase or ConditionTest.Bool:
                foreach (var s in _strings)
                {
                    if (s.EqualsValue(actual, StringComparison.OrdinalIgnoreCase, request))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionTest.StringLike or ConditionTest.ArnLike:
                foreach (var s in _strings)
                {
                    if (s.IsLike(actual, ignoreCase: false, request))
                    {
                        return true;
                    }
                }

                return false;
            case ConditionTest.BinaryEquals:
                return MatchesBinary(actual);
            case ConditionTest.IpAddress:
                return MatchesIp(actual);
            case >= ConditionTest.DateEquals and <= ConditionTest.DateGreaterThanEquals:
                return MatchesDate(actual);
            default:
                return MatchesNumber(actual);
        }
    }

    private bool MatchesNumber(string actual)
    {
        if (!double.TryParse(actual, NumberStyles.Float, CultureInfo.InvariantCulture, out var x))
        {
            return false;
        }

        foreach (var n in _numbers)
        {
            if (Compare(_op.Test - ConditionTest.NumericEquals, x.CompareTo(n)))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesDate(string actual)
    {
        if (!TryParseDate(actual, out var x))
        {
            return false;
        }

        foreach (var d in _dates)
        {
            if (Compare(_op.Test - ConditionTest.DateEquals, x.CompareTo(d)))
            {
                return true;
            }
        }

        return false;
    }

    // Order within each family: Equals, LessThan, LessThanEquals, GreaterThan, GreaterThanEquals.
    private static bool Compare(int relation, int sign) => relation switch
    {
        0 => sign == 0,
        1 => sign < 0,
        2 => sign <= 0,
        3 => sign > 0,
        _ => sign >= 0,
    };

    private bool MatchesBinary(string actual)
    {
        Span<byte> decoded = actual.Length <= 256 ? stackalloc byte[256] : new byte[actual.Length];
        if (!Convert.TryFromBase64String(actual, decoded, out var written))
        {
            return false;
        }

        foreach (var b in _binaries)
        {
            if (decoded[..written].SequenceEqual(b))
            {
                return true;
            }
        }

        return false;
    }

    private bool MatchesIp(string actual)
    {
        if (!IpRange.TryParseAddress(actual, out var address, out var family))
        {
            return false;
        }

        foreach (var range in _ranges)
        {
            if (range.Contains(address, family))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>IAM Date operators take ISO 8601 dates/times or epoch seconds; compared as UTC ticks.</summary>
    internal static bool TryParseDate(ReadOnlySpan<char> text, out long ticks)
    {
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var epoch))
        {
            if (epoch is >= -62135596800 and <= 253402300799)
            {
                ticks = DateTimeOffset.FromUnixTimeSeconds(epoch).UtcTicks;
                return true;
            }

            ticks = 0;
            return false;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed))
        {
            ticks = parsed.UtcTicks;
            return true;
        }

        ticks = 0;
        return false;
    }

    private static byte[]? TryBase64(string value)
    {
        var buffer = new byte[value.Length];
        return Convert.TryFromBase64String(value, buffer, out var written) ? buffer[..written] : null;
    }

    private static Errors.MalformedPolicyDocumentException Malformed(ConditionOperator op, string key, string value) =>
        new($"Policy contains a condition with an invalid value \"{value}\" for operator {op.Test} on key {key}.");
}

/// <summary>An IPv4 or IPv6 CIDR block, as IpAddress/NotIpAddress take it.</summary>
internal readonly struct IpRange
{
    private readonly UInt128 _network;
    private readonly UInt128 _mask;
    private readonly AddressFamily _family;

    private IpRange(UInt128 network, UInt128 mask, AddressFamily family)
    {
        _network = network;
        _mask = mask;
        _family = family;
    }

    /// <summary>Parses "203.0.113.0/24", "2001:db8::/32" or a bare address (a /32 or /128).</summary>
    public static bool TryParse(string text, out IpRange range)
    {
        range = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text.AsSpan() : text.AsSpan(0, slash);
        if (!TryParseAddress(addressText, out var address, out var family))
        {
            return false;
        }

        var bits = family == AddressFamily.InterNetwork ? 32 : 128;
        var prefix = bits;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out prefix)
                           || prefix > bits))
        {
            return false;
        }

        var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
        if (family == AddressFamily.InterNetwork)
        {
            // IPv4 addresses sit in the low 32 bits.
            mask = (mask >> 96) & uint.MaxValue;
        }

        range = new IpRange(address & mask, mask, family);
        return true;
    }

    public bool Contains(UInt128 address, AddressFamily family) => family == _family && (address & _mask) == _network;

    /// <summary>Parses an address; IPv4 without allocation, IPv4-mapped IPv6 read as IPv4.</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 address, out AddressFamily family)
    {
        if (TryParseIPv4(text, out var v4))
        {
            address = v4;
            family = AddressFamily.InterNetwork;
            return true;
        }

        address = UInt128.Zero;
        family = AddressFamily.InterNetworkV6;
        if (text.IndexOf(':') < 0 || !IPAddress.TryParse(text, out var parsed))
        {
            return false;
        }

        if (parsed.IsIPv4MappedToIPv6)
        {
            parsed = parsed.MapToIPv4();
            family = AddressFamily.InterNetwork;
        }

        Span<byte> bytes = stackalloc byte[16];
        parsed.TryWriteBytes(bytes, out var written);
        foreach (var b in bytes[..written])
        {
            address = (address << 8) | b;
        }

        return true;
    }

    private static bool TryParseIPv4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        var octets = 0;
        while (true)
        {
            var dot = text.IndexOf('.');
            var part = dot < 0 ? text : text[..dot];
            if (part.Length is 0 or > 3 || !uint.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var octet)
                || octet > 255)
            {
                return false;
            }

            address = (address << 8) | octet;
            octets++;
            if (dot < 0)
            {
                return octets == 4;
            }

            text = text[(dot + 1)..];
        }
    }
}
