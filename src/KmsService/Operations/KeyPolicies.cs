using KmsService.Core.Errors;
using KmsService.Core.Policy;
using KmsService.Identity;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Key policy documents: the default one AWS writes when CreateKey has none, and the checks a supplied
/// document must pass before it is stored.</summary>
internal static class KeyPolicies
{
    public const int MaxLength = 131072;

    /// <summary>AWS's default key policy (developer guide, "Default key policy"), pretty-printed as AWS returns it.</summary>
    public static string Default(string partition, string account) =>
        $$"""
        {
          "Version" : "2012-10-17",
          "Id" : "key-default-1",
          "Statement" : [ {
            "Sid" : "Enable IAM User Permissions",
            "Effect" : "Allow",
            "Principal" : {
              "AWS" : "arn:{{partition}}:iam::{{account}}:root"
            },
            "Action" : "kms:*",
            "Resource" : "*"
          } ]
        }
        """;

    /// <summary>Checks the model's character set, parses the document with the policy language's rules and checks
    /// that the users and roles it names exist (MalformedPolicyDocumentException saying what is wrong).</summary>
    public static PolicyDocument Parse(string policy, KnownPrincipals principals)
    {
        foreach (var c in policy)
        {
            if (c is not ('\t' or '\n' or '\r') && (c < '\u0020' || c > '\u00FF'))
            {
                throw new MalformedPolicyDocumentException("The new key policy contains characters outside the allowed range (tab, line feed, carriage return and U+0020 to U+00FF).");
            }
        }

        var document = PolicyDocument.Parse(policy);
        principals.EnsureExist(document);
        return document;
    }

    public const string DefaultName = "default";

    /// <summary>PolicyName: 1..128 word characters (the model); only <c>default</c> exists.</summary>
    public static Validator PolicyName(this Validator v, string? name) =>
        v.Length(name, 1, 128, "policyName")
         .Check(name is null || name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_'),
            $"Value '{Validator.Echo(name ?? string.Empty)}' at 'policyName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w]+");

    public static void EnsureDefaultName(string? name)
    {
        if (name is not null && name != DefaultName)
        {
            throw new NotFoundException($"No such policy exists: {name}. The only key policy name is 'default'.");
        }
    }

    public const string LockoutMessage =
        "The new key policy will not allow you to update the key policy in the future.";
}
