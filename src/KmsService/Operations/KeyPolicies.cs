using System.Text.Json;
using KmsService.Core.Errors;

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

    /// <summary>Checks the model's character set and that the document is a JSON object with a Statement.</summary>
    public static void Validate(string policy)
    {
        foreach (var c in policy)
        {
            if (c is not ('\t' or '\n' or '\r') && (c < '\u0020' || c > '\u00FF'))
            {
                throw new MalformedPolicyDocumentException("The new key policy contains characters outside the allowed range (tab, line feed, carriage return and U+0020 to U+00FF).");
            }
        }

        try
        {
            using var doc = JsonDocument.Parse(policy);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedPolicyDocumentException("The new key policy must be a JSON object.");
            }

            if (!doc.RootElement.TryGetProperty("Statement", out var statement)
                || statement.ValueKind is not (JsonValueKind.Object or JsonValueKind.Array))
            {
                throw new MalformedPolicyDocumentException("The new key policy must have a Statement (an object or an array of objects).");
            }
        }
        catch (JsonException)
        {
            throw new MalformedPolicyDocumentException("The new key policy is not valid JSON.");
        }
    }
}
