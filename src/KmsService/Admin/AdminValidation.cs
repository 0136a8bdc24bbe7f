using System.Text.RegularExpressions;
using KmsService.Core.Keys;

namespace KmsService.Admin;

/// <summary>A user or role the admin API addresses as <c>/accounts/{accountId}/principals/{type}/{name}</c>: its ARN
/// is <c>arn:aws:iam::ACCOUNT:TYPE/NAME</c> (no IAM path).</summary>
internal sealed record PrincipalName(string AccountId, string Type, string Name)
{
    public string Arn { get; } = $"arn:aws:iam::{AccountId}:{Type}/{Name}";
}

/// <summary>Parts of IAM ARNs.</summary>
internal static class AdminArns
{
    /// <summary>The account root's ARN: the resource of account-wide admin actions.</summary>
    public static string AccountRoot(string accountId) => $"arn:aws:iam::{accountId}:root";

    /// <summary>The account field of <c>arn:PARTITION:iam::ACCOUNT:…</c>.</summary>
    public static string AccountOf(string arn) => arn.Split(':', 6) is { Length: 6 } parts ? parts[4] : "";

    /// <summary>("root", "root"), or ("user" | "role", the name after the last slash).</summary>
    public static (string Type, string Name) TypeAndName(string arn)
    {
        var resource = arn.Split(':', 6) is { Length: 6 } parts ? parts[5] : "";
        var slash = resource.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (resource, resource) : (resource[..slash], resource[(resource.LastIndexOf('/') + 1)..]);
    }
}

/// <summary>Input checks of the admin API, with IAM's limits; each failure is a 400 ValidationException saying what
/// to send instead.</summary>
internal static partial class AdminValidation
{
    /// <summary>IAM's limit of tags per user or role.</summary>
    public const int MaxTags = 50;

    public static string AccountId(string? value, string field = "accountId") =>
        value is not null && KeyIdentifier.IsAccountId(value)
            ? value
            : throw AdminException.Invalid($"'{field}' must be a 12-digit AWS account id.");

    public static PrincipalName Principal(string accountId, string? type, string? name)
    {
        AccountId(accountId);
        if (type is not ("user" or "role"))
        {
            throw AdminException.Invalid("The principal 'type' must be 'user' or 'role'.");
        }

        if (name is null || !NamePattern().IsMatch(name))
        {
            throw AdminException.Invalid("The principal 'name' must be 1 to 64 characters of letters, digits and + = , . @ _ -.");
        }

        return new PrincipalName(accountId, type, name);
    }

    public static string PolicyName(string? value) =>
        value is not null && PolicyNamePattern().IsMatch(value)
            ? value
            : throw AdminException.Invalid("The policy name must be 1 to 128 characters of letters, digits and + = , . @ _ -.");

    public static string AccessKeyId(string? value) =>
        value is not null && AccessKeyIdPattern().IsMatch(value)
            ? value
            : throw AdminException.Invalid("The access key id must be 16 to 128 letters and digits.");

    public static string AccessKeyStatus(string? value) =>
        value is Identity.AccessKeyStatus.Active or Identity.AccessKeyStatus.Inactive
            ? value
            : throw AdminException.Invalid("'status' must be 'Active' or 'Inactive'.");

    /// <summary>Tags as IAM bounds them: at most 50, keys of 1 to 128 characters, values of at most 256, keys not
    /// starting with <c>aws:</c>.</summary>
    public static IReadOnlyDictionary<string, string> Tags(Dictionary<string, string>? tags, bool required = false)
    {
        if (tags is null || tags.Count == 0)
        {
            return required
                ? throw AdminException.Invalid("'tags' must be a non-empty object of tag keys to string values.")
                : new Dictionary<string, string>();
        }

        if (tags.Count > MaxTags)
        {
            throw AdminException.Invalid($"A principal has at most {MaxTags} tags.");
        }

        foreach (var (key, value) in tags)
        {
            TagKey(key);
            if (value is null || value.Length > 256)
            {
                throw AdminException.Invalid($"The value of tag '{key}' must be a string of at most 256 characters.");
            }
        }

        return tags;
    }

    public static string TagKey(string? key) =>
        key is { Length: >= 1 and <= 128 } && !key.StartsWith("aws:", StringComparison.OrdinalIgnoreCase)
            ? key
            : throw AdminException.Invalid("A tag key must be 1 to 128 characters and must not start with 'aws:'.");

    [GeneratedRegex(@"^[\w+=,.@-]{1,64}$")]
    private static partial Regex NamePattern();

    [GeneratedRegex(@"^[\w+=,.@-]{1,128}$")]
    private static partial Regex PolicyNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9]{16,128}$")]
    private static partial Regex AccessKeyIdPattern();
}
