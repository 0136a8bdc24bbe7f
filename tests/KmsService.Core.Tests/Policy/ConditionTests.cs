using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Policy;

public sealed class ConditionTests
{
    [Theory]
    [InlineData("2024-01-01T00:00:00Z", "1704067200")]
    [InlineData("2024-01-01T01:00:00+01:00", "1704067200")]
    [InlineData("2024-01-01", "1704067200")]
    public void TryParseDate_IsoAndEpoch_Agree(string iso, string epoch)
    {
        Assert.True(ConditionClause.TryParseDate(iso, out var a));
        Assert.True(ConditionClause.TryParseDate(epoch, out var b));
        Assert.Equal(a, b);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.255.0.1", true)]
    [InlineData("10.0.0.0/8", "11.0.0.1", false)]
    [InlineData("0.0.0.0/0", "192.0.2.1", true)]
    [InlineData("192.0.2.1", "192.0.2.1", true)]
    [InlineData("192.0.2.1/32", "192.0.2.2", false)]
    [InlineData("2001:db8::/32", "2001:db8:ffff::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "2001:db8::1", false)]
    [InlineData("10.0.0.0/8", "not-an-ip", false)]
    [InlineData("10.0.0.0/8", "10.0.0.256", false)]
    public void IpRange_Contains_MatchesCidr(string cidr, string address, bool expected)
    {
        Assert.True(IpRange.TryParse(cidr, out var range));
        var parsed = IpRange.TryParseAddress(address, out var value, out var family);
        Assert.Equal(expected, parsed && range.Contains(value, family));
    }

    [Theory]
    [InlineData("StringEquals", "StringEquals", false, false, "None")]
    [InlineData("ForAllValues:StringNotLikeIfExists", "StringLike", true, true, "ForAllValues")]
    [InlineData("ForAnyValue:ArnNotEquals", "ArnLike", true, false, "ForAnyValue")]
    [InlineData("NotIpAddressIfExists", "IpAddress", true, true, "None")]
    [InlineData("DateGreaterThanEqualsIfExists", "DateGreaterThanEquals", false, true, "None")]
    [InlineData("Null", "Null", false, false, "None")]
    public void TryParse_OperatorName_SplitsQualifierAndIfExists(
        string name, string test, bool negated, bool ifExists, string qualifier)
    {
        Assert.True(ConditionOperator.TryParse(name, out var op));
        var expected = new ConditionOperator(Enum.Parse<ConditionTest>(test), negated, ifExists, Enum.Parse<SetQualifier>(qualifier));
        Assert.Equal(expected, op);
    }

    [Fact]
    public void Decide_DenyInAnyIdentityPolicy_Wins()
    {
        var allow = PolicyDocument.Parse("""{"Statement":{"Sid":"A","Effect":"Allow","Action":"kms:*","Resource":"*"}}""", PolicyKind.IdentityPolicy);
        var deny = PolicyDocument.Parse("""{"Statement":{"Sid":"D","Effect":"Deny","Action":"kms:Decrypt","Resource":"*"}}""", PolicyKind.IdentityPolicy);
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:user/alice",
            PrincipalAccount = "111122223333",
            Action = "kms:Decrypt",
        };

        var result = KmsAuthorization.Decide(request, keyPolicy: null, [allow, deny]);

        Assert.Equal(Decision.ExplicitDeny, result.Decision);
        Assert.Equal("D", result.DecidingStatement?.Statement.Sid);
        Assert.Equal(1, result.DecidingStatement?.PolicyIndex);
        Assert.Equal(Decision.ImplicitDeny, KmsAuthorization.Decide(request, keyPolicy: null, []).Decision);
    }

    [Fact]
    public void AccessDeniedMessage_HasAwsForm()
    {
        var request = new RequestContext
        {
            PrincipalArn = "arn:aws:iam::111122223333:role/app",
            SessionArn = "arn:aws:sts::111122223333:assumed-role/app/s1",
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.AssumedRole,
            Action = "kms:Decrypt",
            ResourceArn = "arn:aws:kms:us-east-1:111122223333:key/k",
        };

        Assert.Equal(
            "User: arn:aws:sts::111122223333:assumed-role/app/s1 is not authorized to perform: kms:Decrypt on resource: "
            + "arn:aws:kms:us-east-1:111122223333:key/k because no identity-based policy allows the kms:Decrypt action",
            new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null).AccessDeniedMessage(request));
        Assert.EndsWith("with an explicit deny in a resource-based policy",
            new AuthorizationResult(Decision.ExplicitDeny, DenialReason.ExplicitDenyInResourcePolicy, null).AccessDeniedMessage(request),
            StringComparison.Ordinal);
    }
}
