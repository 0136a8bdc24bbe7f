namespace KmsService.Core.Keys;

/// <summary>What a caller's <c>KeyId</c> parameter names: a key id, key ARN, alias name or alias ARN.</summary>
public enum KeyIdentifierKind
{
    Malformed,
    KeyId,
    KeyArn,
    AliasName,
    AliasArn,
}

/// <summary>A parsed <c>KeyId</c> value; <see cref="Partition"/>, <see cref="Region"/> and <see cref="Account"/> are set only for ARNs.</summary>
public readonly record struct KeyIdentifier(
    KeyIdentifierKind Kind, string Raw, string? Partition, string? Region, string? Account, string Name)
{
    /// <summary>Parses a KeyId parameter as AWS does: bare ids, key ARNs, <c>alias/…</c> names and alias ARNs.</summary>
    public static KeyIdentifier Parse(string value)
    {
        if (value.StartsWith("arn:", StringComparison.Ordinal))
        {
            return ParseArn(value);
        }

        if (value.StartsWith("alias/", StringComparison.Ordinal))
        {
            return AliasNames.IsValid(value)
                ? new(KeyIdentifierKind.AliasName, value, null, null, null, value)
                : Malformed(value);
        }

        return IsKeyId(value) ? new(KeyIdentifierKind.KeyId, value, null, null, null, value) : Malformed(value);
    }

    /// <summary>A lowercase UUID, or a multi-Region id <c>mrk-</c> + 32 lowercase hex.</summary>
    public static bool IsKeyId(ReadOnlySpan<char> value)
    {
        if (value.StartsWith("mrk-", StringComparison.Ordinal))
        {
            return value.Length == 36 && IsLowerHex(value[4..]);
        }

        if (value.Length != 36)
        {
            return false;
        }

        for (var i = 0; i < 36; i++)
        {
            var c = value[i];
            var ok = i is 8 or 13 or 18 or 23 ? c == '-' : char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c);
            if (!ok)
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c) && !char.IsAsciiHexDigitLower(c))
            {
                return false;
            }
        }

        return true;
    }

    private static KeyIdentifier ParseArn(string value)
    {
        // arn:<partition>:kms:<region>:<account>:key/<id> | alias/<name>
        var parts = value.Split(':', 6);
        if (parts.Length != 6 || parts[2] != "kms" || parts[3].Length == 0 || !IsAccountId(parts[4]))
        {
            return Malformed(value);
        }

        // A region belongs to one partition (Partition): arn:aws-cn:kms:us-east-1:… names no key at all, and must not
        // find the aws key of that id. A region that is no region name is left to the caller's region check
        // ("Invalid arn <region>"), which no such region passes.
        if (Keys.Partition.TryForRegion(parts[3], out var partition) && partition != parts[1])
        {
            return Malformed(value);
        }

        var resource = parts[5];
        if (resource.StartsWith("key/", StringComparison.Ordinal) && IsKeyId(resource.AsSpan(4)))
        {
            return new(KeyIdentifierKind.KeyArn, value, parts[1], parts[3], parts[4], resource[4..]);
        }

        if (resource.StartsWith("alias/", StringComparison.Ordinal) && AliasNames.IsValid(resource))
        {
            return new(KeyIdentifierKind.AliasArn, value, parts[1], parts[3], parts[4], resource);
        }

        return Malformed(value);
    }

    /// <summary>Twelve decimal digits.</summary>
    public static bool IsAccountId(ReadOnlySpan<char> value)
    {
        if (value.Length != 12)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    private static KeyIdentifier Malformed(string value) => new(KeyIdentifierKind.Malformed, value, null, null, null, value);
}
