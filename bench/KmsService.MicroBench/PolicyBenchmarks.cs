using BenchmarkDotNet.Attributes;
using KmsService.Core.Policy;

namespace KmsService.MicroBench;

/// <summary>Authorizing one Decrypt: a realistic key policy (admin, key users with an encryption-context condition,
/// a grant statement, an explicit deny) plus the caller's identity policy, as the service does on every request.
/// <c>Decide</c> alone is the per-request cost once policies are parsed and cached; <c>BuildContextAndDecide</c>
/// adds building the request context the way the service's Authorizer does.</summary>
[MemoryDiagnoser]
public class PolicyBenchmarks
{
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

    private const string KeyPolicyJson = """
        {"Version": "2012-10-17", "Id": "key-consolepolicy-3", "Statement": [
          {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
          {"Sid": "Allow access for Key Administrators", "Effect": "Allow",
           "Principal": {"AWS": ["arn:aws:iam::111122223333:role/KeyAdmin", "arn:aws:iam::111122223333:user/ops"]},
           "Action": ["kms:Create*", "kms:Describe*", "kms:Enable*", "kms:List*", "kms:Put*", "kms:Update*",
                      "kms:Revoke*", "kms:Disable*", "kms:Get*", "kms:Delete*", "kms:TagResource",
                      "kms:UntagResource", "kms:ScheduleKeyDeletion", "kms:CancelKeyDeletion"], "Resource": "*"},
          {"Sid": "Allow use of the key", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
           "Action": ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"],
           "Resource": "*", "Condition": {"StringEquals": {"kms:EncryptionContext:tenant": "acme"}}},
          {"Sid": "Allow attachment of persistent resources", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::111122223333:role/app"},
           "Action": ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"], "Resource": "*",
           "Condition": {"Bool": {"kms:GrantIsForAWSResource": "true"}}},
          {"Sid": "Deny outside the VPC range", "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": ["10.0.0.0/8", "127.0.0.0/8"]}, "Bool": {"aws:ViaAWSService": "false"}}}
        ]}
        """;

    private const string IdentityPolicyJson = """
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey*"],
           "Resource": "arn:aws:kms:us-east-1:111122223333:key/*"}]}
        """;

    private static readonly Dictionary<string, string> Context = new() { ["tenant"] = "acme", ["purpose"] = "orders" };

    private PolicyDocument _keyPolicy = null!;
    private PolicyDocument[] _identityPolicies = [];
    private RequestContext _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _keyPolicy = PolicyDocument.Parse(KeyPolicyJson);
        _identityPolicies = [PolicyDocument.Parse(IdentityPolicyJson, PolicyKind.IdentityPolicy)];
        _request = Build();
        if (!KmsAuthorization.Decide(_request, _keyPolicy, _identityPolicies).IsAllowed)
        {
            throw new InvalidOperationException("The benchmark request must be allowed.");
        }
    }

    [Benchmark]
    public bool Decide() => KmsAuthorization.Decide(_request, _keyPolicy, _identityPolicies).IsAllowed;

    [Benchmark]
    public bool BuildContextAndDecide() => KmsAuthorization.Decide(Build(), _keyPolicy, _identityPolicies).IsAllowed;

    [Benchmark]
#pragma warning disable CA1822 // BenchmarkDotNet runs instance methods.
    public PolicyDocument ParseKeyPolicy() => PolicyDocument.Parse(KeyPolicyJson);
#pragma warning restore CA1822

    private static RequestContext Build()
    {
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:role/app",
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.AssumedRole,
            Action = "kms:Decrypt",
            ResourceArn = KeyArn,
        };
        request.Set("aws:SourceIp", "127.0.0.1")
            .Set("aws:CurrentTime", "2026-11-29T03:00:00Z")
            .Set("aws:SecureTransport", "false")
            .Set("aws:RequestedRegion", "us-east-1")
            .Set("kms:KeySpec", "SYMMETRIC_DEFAULT")
            .SetEncryptionContext(Context);
        return request;
    }
}
