namespace KmsService.Core.Keys;

/// <summary>Alias name rules from the model: 1..256 chars of <c>[a-zA-Z0-9:/_-]</c>, starting <c>alias/</c>.</summary>
public static class AliasNames
{
    public const string Prefix = "alias/";
    public const string AwsReservedPrefix = "alias/aws/";

    public static bool IsValid(string name)
    {
        if (name.Length is <= 6 or > 256 || !name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not (':' or '/' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
