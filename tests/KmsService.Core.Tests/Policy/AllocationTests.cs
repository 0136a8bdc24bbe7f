using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

public sealed class AllocationTests
{
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private const string KeyPolicy = """
        {
          "Version": "2012-10-17",
          "Id": "key-consolepolicy-3",
          "Statement": [
            { "Sid": "Enable IAM User Permissions", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:root" }, "Action": "kms:*", "Resource": "*" },
            { "Sid": "Allow access for Key Administrators", "Effect": "Allow",
              "Principal": { "AWS": "arn:aws:iam::111122223333:user/bob" },
              "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                         "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:ScheduleKeyDeletion"],
              "Resource": "*" },
            { "Sid": "Allow use of the key", "Effect": "Allow",
              "Principal": { "AWS": ["arn:aws:iam::111122223333:user/alice", "arn:aws:iam::111122223333:role/app"] },
              "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
              "Resource": "*",
              "Condition": { "StringEquals": { "kms:EncryptionContext:tenant": "${aws:PrincipalTag/tenant}" },
                             "ForAllValues:StringLike": { "kms:EncryptionContextKeys": ["tenant", "app*"] } } },
            { "Sid": "Deny outside the VPC", "Effect": "Deny", "Principal": "*", "Action": "kms:*",
              "Resource": "arn:aws:kms:*:111122223333:key/*",
              "Condition": { "StringNotEqualsIfExists": { "aws:SourceVpce": "vpce-1a2b3c4d" },
                             "Bool": { "aws:ViaAWSService": "false" }, "Null": { "aws:SourceVpce": "false" } } }
          ]
        }
        """;

    private const string IdentityPolicy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Sid": "DenyDeletion", "Effect": "Deny", "Action": "kms:ScheduleKeyDeletion", "Resource": "*" },
            { "Sid": "UseKeys", "Effect": "Allow", "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*"],
              "Resource": "arn:aws:kms:us-east-1:111122223333:key/*",
              "Condition": { "StringLike": { "kms:EncryptionContext:path": "home/${aws:username}/*" } } }
          ]
        }
        """;

    [Fact]
    public void Decide_WarmedRealisticPolicy_AllocatesNothing()
    {
        var keyPolicy = PolicyDocument.Parse(KeyPolicy);
        IReadOnlyList<PolicyDocument> identity = [PolicyDocument.Parse(IdentityPolicy, PolicyKind.IdentityPolicy)];
        var direct = Request("arn:aws:iam::111122223333:user/alice", "alice", "kms:Decrypt");
        var delegated = Request("arn:aws:iam::111122223333:user/carl", "carl", "kms:GenerateDataKey");
        var denied = Request("arn:aws:iam::111122223333:user/carl", "carl", "kms:ScheduleKeyDeletion");

        Assert.Equal(Decision.Allow, KmsAuthorization.Decide(direct, keyPolicy, identity).Decision);
        Assert.Equal(Decision.Allow, KmsAuthorization.Decide(delegated, keyPolicy, identity).Decision);
        Assert.Equal(Decision.ExplicitDeny, KmsAuthorization.Decide(denied, keyPolicy, identity).Decision);
        var warm = Run(keyPolicy, identity, direct, delegated, denied, 100);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var outcomes = Run(keyPolicy, identity, direct, delegated, denied, 1000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(warm * 10, outcomes);
    }

    // Sums the decisions so the loop has no assertion (and no allocation) of its own.
    private static int Run(PolicyDocument keyPolicy, IReadOnlyList<PolicyDocument> identity, RequestContext direct,
        RequestContext delegated, RequestContext denied, int iterations)
    {
        var sum = 0;
        for (var i = 0; i < iterations; i++)
        {
            sum += (int)KmsAuthorization.Decide(direct, keyPolicy, identity).Decision;
            sum += (int)KmsAuthorization.Decide(delegated, keyPolicy, identity).Decision;
            sum += (int)KmsAuthorization.Decide(denied, keyPolicy, identity).Decision;
        }

        return sum;
    }

    private static RequestContext Request(string arn, string username, string action) =>
        new RequestContext
        {
            PrincipalArn = arn,
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.User,
            Username = username,
            Action = action,
            ResourceArn = KeyArn,
        }
        .SetEncryptionContext(new Dictionary<string, string> { ["tenant"] = "acme", ["path"] = $"home/{username}/a" })
        .Set("aws:PrincipalTag/tenant", "acme")
        .Set("aws:ViaAWSService", "false");
}
