using KmsService.Core.Errors;
using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

public sealed class PolicyDocumentTests
{
    private const string Alice = "arn:aws:iam::111122223333:user/alice";

    public static TheoryData<string, string> MalformedKeyPolicies => new()
    {
        { "not json", "not valid JSON" },
        { "{\"Version\":\"2012-10-17\",\"Statement\":[],}", "not valid JSON" },
        { "[]", "must be a JSON object" },
        { "{\"Version\":\"2012-10-17\"}", "must contain a Statement element" },
        { "{\"Version\":\"2012-10-18\",\"Statement\":[]}", "unsupported Version" },
        { "{\"Version\":20121017,\"Statement\":[]}", "unsupported Version" },
        { "{\"Version\":\"2012-10-17\",\"Statement\":[],\"Extra\":1}", "unsupported element \"Extra\"" },
        { "{\"version\":\"2012-10-17\",\"Statement\":[]}", "unsupported element \"version\"" },
        { "{\"Version\":\"2012-10-17\",\"Version\":\"2012-10-17\",\"Statement\":[]}", "more than once" },
        { "{\"Id\":5,\"Statement\":[]}", "Id element must be a string" },
        { "{\"Statement\":\"Allow\"}", "object or an array of objects" },
        { "{\"Statement\":[\"Allow\"]}", "object or an array of objects" },
        { Statement("\"Effect\":\"Permit\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\""), "invalid Effect" },
        { Statement("\"Effect\":\"allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\""), "invalid Effect" },
        { Statement("\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\""), "must contain an Effect" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Resource\":\"*\""), "exactly one of Action or NotAction" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"NotAction\":\"kms:Decrypt\",\"Resource\":\"*\""), "exactly one of Action or NotAction" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":[],\"Resource\":\"*\""), "non-empty array" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"Encrypt\",\"Resource\":\"*\""), "invalid action \"Encrypt\"" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:En crypt\",\"Resource\":\"*\""), "invalid action" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\""), "exactly one of Resource or NotResource" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"NotResource\":\"*\""), "exactly one of Resource or NotResource" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"key/1\""), "invalid resource" },
        { Statement("\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\""), "no principal" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"NotPrincipal\":{\"AWS\":\"111122223333\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), "both Principal and NotPrincipal" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"alice\",\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"alice\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"11112222333\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:user/*\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:iam::111122223333:group/admins\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":\"arn:aws:s3:::bucket\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"AWS\":[]},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"cognito-identity.amazonaws.com\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"*\"},\"Action\":\"kms:*\",\"Resource\":\"*\""), InvalidPrincipals },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":[]"), "Condition element must be an object" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEqualz\":{\"a:b\":\"c\"}}"), "unsupported condition operator \"StringEqualz\"" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"stringequals\":{\"a:b\":\"c\"}}"), "unsupported condition operator" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"NullIfExists\":{\"a:b\":\"true\"}}"), "unsupported condition operator" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"ForSomeValues:StringEquals\":{\"a:b\":\"c\"}}"), "unsupported condition operator" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":\"c\"}"), "must map condition keys to values" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"a:b\":[]}}"), "non-empty array" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"StringEquals\":{\"a:b\":{\"c\":1}}}"), "non-empty array" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"NumericEquals\":{\"a:b\":\"ten\"}}"), "invalid value \"ten\"" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"DateLessThan\":{\"aws:CurrentTime\":\"tomorrow\"}}"), "invalid value" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"IpAddress\":{\"aws:SourceIp\":\"10.0.0.0/33\"}}"), "invalid value" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Condition\":{\"BinaryEquals\":{\"a:b\":\"@@\"}}"), "invalid value" },
        { Statement("\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\",\"Effects\":\"Allow\""), "unsupported element \"Effects\"" },
        { Statement("\"Sid\":1,\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\""), "Sid element must be a string" },
        { "{\"Statement\":[" + Body("\"Sid\":\"A\"") + "," + Body("\"Sid\":\"A\"") + "]}", "must be unique" },
    };

    private const string InvalidPrincipals = "Policy contains a statement with one or more invalid principals.";

    [Theory]
    [MemberData(nameof(MalformedKeyPolicies))]
    public void Parse_MalformedKeyPolicy_ThrowsWithReason(string json, string reason)
    {
        var error = Assert.Throws<MalformedPolicyDocumentException>(() => PolicyDocument.Parse(json));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Equal("MalformedPolicyDocumentException", error.ErrorCode);
    }

    [Fact]
    public void Parse_IdentityPolicyWithPrincipal_Throws()
    {
        var error = Assert.Throws<MalformedPolicyDocumentException>(
            () => PolicyDocument.Parse(Statement(Body()), PolicyKind.IdentityPolicy));
        Assert.Equal("Policy document should not specify a principal.", error.Message);
    }

    [Fact]
    public void Parse_IdentityPolicyWithoutPrincipal_Succeeds()
    {
        var policy = PolicyDocument.Parse(
            "{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Allow\",\"Action\":\"kms:*\",\"Resource\":\"*\"}}",
            PolicyKind.IdentityPolicy);
        Assert.Single(policy.Statements);
        Assert.False(policy.Statements[0].HasPrincipal);
    }

    [Fact]
    public void Parse_OverSizeLimit_Throws()
    {
        var padding = new string(' ', PolicyDocument.MaxDocumentBytes);
        var error = Assert.Throws<MalformedPolicyDocumentException>(() => PolicyDocument.Parse(Statement(Body()) + padding));
        Assert.Contains("32768 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_CustomSizeLimit_Applies()
    {
        Assert.Throws<MalformedPolicyDocumentException>(() => PolicyDocument.Parse(Statement(Body()), PolicyKind.KeyPolicy, maxBytes: 50));
    }

    [Fact]
    public void Parse_DefaultKeyPolicy_ReadsEveryElement()
    {
        var policy = PolicyDocument.Parse("""
            {
              "Version" : "2012-10-17",
              "Id" : "key-default-1",
              "Statement" : [ {
                "Sid" : "Enable IAM User Permissions",
                "Effect" : "Allow",
                "Principal" : { "AWS" : "arn:aws:iam::111122223333:root" },
                "Action" : "kms:*",
                "Resource" : "*"
              } ]
            }
            """);
        Assert.Equal("2012-10-17", policy.Version);
        Assert.Equal("key-default-1", policy.Id);
        Assert.Equal(PolicyKind.KeyPolicy, policy.Kind);
        var statement = Assert.Single(policy.Statements);
        Assert.Equal("Enable IAM User Permissions", statement.Sid);
        Assert.Equal(PolicyEffect.Allow, statement.Effect);
        Assert.Equal(0, statement.Index);
    }

    [Theory]
    [InlineData("{\"Statement\":[]}")]
    [InlineData("{\"Version\":\"2008-10-17\",\"Statement\":[]}")]
    [InlineData("{\"Version\":\"2012-10-17\",\"Statement\":{\"Effect\":\"Deny\",\"NotPrincipal\":{\"AWS\":[\"111122223333\",\"arn:aws:sts::111122223333:assumed-role/app/s1\"]},\"NotAction\":\"kms:Decrypt\",\"NotResource\":\"arn:aws:kms:*:111122223333:key/*\"}}")]
    [InlineData("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":{\"Service\":[\"logs.amazonaws.com\"],\"AWS\":\"arn:aws-cn:iam::111122223333:role/path/app\"},\"Action\":[\"kms:Encrypt\",\"kms:Generate*\"],\"Resource\":\"*\"}}")]
    [InlineData("{\"Statement\":{\"Effect\":\"Allow\",\"Principal\":\"*\",\"Action\":\"*\",\"Resource\":\"*\",\"Condition\":{\"ForAllValues:StringLikeIfExists\":{\"aws:TagKeys\":[\"a*\"]},\"Bool\":{\"aws:SecureTransport\":true},\"NumericLessThan\":{\"kms:RotationPeriodInDays\":365},\"Null\":{\"kms:ViaService\":\"true\"}}}}")]
    public void Parse_ValidDocument_Succeeds(string json)
    {
        var policy = PolicyDocument.Parse(json);
        Assert.NotNull(policy.Statements);
    }

    [Fact]
    public void Parse_AccountIdPrincipal_MeansAccountRoot()
    {
        var policy = PolicyDocument.Parse(Statement(Body("\"Sid\":\"A\"").Replace(Alice, "111122223333", StringComparison.Ordinal)));
        var root = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:root",
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.Account,
            Action = "kms:Encrypt",
            ResourceArn = "arn:aws:kms:us-east-1:111122223333:key/k",
        };
        Assert.Equal(Decision.Allow, KmsAuthorization.Decide(root, policy, []).Decision);
    }

    private static string Body(string extra = "") =>
        "{" + (extra.Length > 0 ? extra + "," : "") + $"\"Effect\":\"Allow\",\"Principal\":{{\"AWS\":\"{Alice}\"}},\"Action\":\"kms:*\",\"Resource\":\"*\"}}";

    private static string Statement(string body) =>
        "{\"Version\":\"2012-10-17\",\"Statement\":[" + (body.StartsWith('{') ? body : "{" + body + "}") + "]}";

    [Fact]
    public void EstimatedSize_GrowsWithTheStringsCompiledNotOnlyTheText()
    {
        // A default key policy keeps a few kilobytes alive; 32 KB of thousands of short wildcard values about two
        // megabytes (measured: 1.8 MB), which is what bounds the key cache.
        var small = PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Id": "key-default-1", "Statement": [{"Sid": "Enable IAM User Permissions",
              "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"}]}
            """);
        var values = string.Join(",", Enumerable.Range(0, 3300).Select(i => $"\"*{i % 10}?{i / 10}*\""));
        var large = PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "kms:Decrypt",
              "Resource": "*", "Condition": {"StringLike": {"kms:EncryptionContext:k": [VALUES]}}}]}
            """.Replace("VALUES", values, StringComparison.Ordinal));

        Assert.InRange(small.EstimatedSize, 1_000, 16_000);
        Assert.InRange(large.EstimatedSize, 1_800_000, 4_000_000);
    }
}
