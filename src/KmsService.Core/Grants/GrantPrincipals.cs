using System.Text.RegularExpressions;

namespace KmsService.Core.Grants;

/// <summary>
/// The principals a grant can name as grantee or retiring principal (KMS Developer Guide, "Grants in AWS KMS",
/// Grantee principal: "any AWS principal, including an AWS account (root), an IAM user, an IAM role, a federated role
/// or user, or an assumed role user ... cannot be a service principal, an IAM group, or an AWS organization"), given by
/// ARN (IAM User Guide, "IAM ARNs").
/// </summary>
public static partial class GrantPrincipals
{
    /// <summary>Whether <paramref name="arn"/> is the ARN of an account, IAM user or role, role session or federated user.</summary>
    public static bool IsValid(string arn) => PrincipalArn().IsMatch(arn);

    /// <summary>The account field of an ARN (empty when it has none), without allocating.</summary>
    public static ReadOnlySpan<char> AccountOf(string arn) => Policy.KmsAuthorization.ResourceAccount(arn);

    /// <summary>The region field of an ARN (arn:PARTITION:SERVICE:REGION:…), or "" when it has none.</summary>
    public static string RegionOf(string arn)
    {
        var parts = arn.Split(':', 5);
        return parts.Length == 5 ? parts[3] : "";
    }

    [GeneratedRegex(
        @"^arn:aws[a-z-]*:(iam::\d{12}:(root|(user|role)/([\w+=,.@-]+/)*[\w+=,.@-]+)|sts::\d{12}:(assumed-role/[\w+=,.@-]+/[\w+=,.@-]+|federated-user/[\w+=,.@-]+))$",
        RegexOptions.CultureInvariant)]
    private static partial Regex PrincipalArn();
}
