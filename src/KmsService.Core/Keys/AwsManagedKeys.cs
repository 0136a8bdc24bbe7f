using System.Collections.Frozen;

namespace KmsService.Core.Keys;

/// <summary>The AWS managed keys an account can have: one per integrated service and region, named by a predefined
/// alias <c>alias/aws/&lt;service&gt;</c>, created by AWS KMS the first time the alias is described. Their key policy
/// lets the account use them only through the service (<c>kms:ViaService</c>) and read their metadata directly.</summary>
public static class AwsManagedKeys
{
    /// <summary>Predefined alias → the service endpoint prefix its key may be used through, and the service's name.</summary>
    private static readonly FrozenDictionary<string, (string Endpoint, string Name)> Services =
        new Dictionary<string, (string, string)>(StringComparer.Ordinal)
        {
            ["alias/aws/acm"] = ("acm", "ACM"),
            ["alias/aws/backup"] = ("backup", "Backup"),
            ["alias/aws/codecommit"] = ("codecommit", "CodeCommit"),
            ["alias/aws/dynamodb"] = ("dynamodb", "DynamoDB"),
            ["alias/aws/ebs"] = ("ec2", "EBS"),
            ["alias/aws/elasticfilesystem"] = ("elasticfilesystem", "EFS"),
            ["alias/aws/es"] = ("es", "Elasticsearch"),
            ["alias/aws/glue"] = ("glue", "Glue"),
            ["alias/aws/kinesis"] = ("kinesis", "Kinesis"),
            ["alias/aws/lambda"] = ("lambda", "Lambda"),
            ["alias/aws/rds"] = ("rds", "RDS"),
            ["alias/aws/redshift"] = ("redshift", "Redshift"),
            ["alias/aws/s3"] = ("s3", "S3"),
            ["alias/aws/secretsmanager"] = ("secretsmanager", "Secrets Manager"),
            ["alias/aws/sns"] = ("sns", "SNS"),
            ["alias/aws/sqs"] = ("sqs", "SQS"),
            ["alias/aws/ssm"] = ("ssm", "Systems Manager"),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every predefined alias name, in ordinal order.</summary>
    public static IReadOnlyList<string> AliasNames { get; } = [.. Services.Keys.Order(StringComparer.Ordinal)];

    public static bool IsPredefined(string aliasName) => Services.ContainsKey(aliasName);

    public static string Description(string aliasName) =>
        $"Default key that protects my {Services[aliasName].Name} data when no other key is defined";

    /// <summary>The key policy AWS gives an AWS managed key (developer guide, "AWS managed keys" key policies).</summary>
    public static string Policy(string aliasName, string partition, string account, string region)
    {
        var (endpoint, name) = Services[aliasName];
        return $$"""
            {
              "Version" : "2012-10-17",
              "Id" : "auto-{{aliasName[10..]}}-1",
              "Statement" : [ {
                "Sid" : "Allow access through {{name}} for all principals in the account that are authorized to use {{name}}",
                "Effect" : "Allow",
                "Principal" : {
                  "AWS" : "*"
                },
                "Action" : [ "kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:CreateGrant", "kms:DescribeKey" ],
                "Resource" : "*",
                "Condition" : {
                  "StringEquals" : {
                    "kms:CallerAccount" : "{{account}}",
                    "kms:ViaService" : "{{endpoint}}.{{region}}.amazonaws.com"
                  }
                }
              }, {
                "Sid" : "Allow direct access to key metadata to the account",
                "Effect" : "Allow",
                "Principal" : {
                  "AWS" : "arn:{{partition}}:iam::{{account}}:root"
                },
                "Action" : [ "kms:Describe*", "kms:Get*", "kms:List*", "kms:RevokeGrant" ],
                "Resource" : "*"
              } ]
            }
            """;
    }
}
