using KmsService.Core.Grants;
using KmsService.Core.Policy;
using Xunit;

namespace KmsService.Core.Tests.Grants;

public sealed class GrantAuthorizationTests
{
    private const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    private const string Alice = "arn:aws:iam::111122223333:user/alice";
    private const string Role = "arn:aws:iam::111122223333:role/app";
    private const string Session = "arn:aws:sts::111122223333:assumed-role/app/worker";
    private const string Root = "arn:aws:iam::111122223333:root";
    private const string OtherRoot = "arn:aws:iam::444455556666:root";

    private static readonly IReadOnlyList<PolicyDocument> NoPolicies = [];

    private static readonly IReadOnlyList<PolicyDocument> AllowsEncrypt =
    [
        PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["kms:Encrypt", "kms:RetireGrant"], "Resource": "*"}]}
            """, PolicyKind.IdentityPolicy),
    ];

    private static readonly IReadOnlyList<PolicyDocument> DeniesRetire =
    [
        PolicyDocument.Parse("""
            {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:RetireGrant", "Resource": "*"}]}
            """, PolicyKind.IdentityPolicy),
    ];

    [Fact]
    public void Allows_GranteeAndOperation_Match()
    {
        IReadOnlyList<Grant> grants = [Grant(Alice, GrantOperation.Encrypt, GrantOperation.Decrypt)];
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, Request(Alice, "kms:Encrypt"), null, NoPolicies));
        Assert.False(GrantAuthorization.Allows(grants, GrantOperation.GenerateDataKey, Request(Alice, "kms:GenerateDataKey"), null, NoPolicies));
        Assert.False(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, Request("arn:aws:iam::111122223333:user/bob", "kms:Encrypt"), null, NoPolicies));
        Assert.False(GrantAuthorization.Allows([], GrantOperation.Encrypt, Request(Alice, "kms:Encrypt"), null, NoPolicies));
    }

    [Fact]
    public void Allows_RoleGrantee_CoversItsSessions()
    {
        IReadOnlyList<Grant> grants = [Grant(Role, GrantOperation.Decrypt)];
        var session = new RequestContext
        {
            PrincipalArn = Role,
            SessionArn = Session,
            PrincipalAccount = "111122223333",
            PrincipalType = PrincipalType.AssumedRole,
            Action = "kms:Decrypt",
            ResourceArn = KeyArn,
        };
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Decrypt, session, null, NoPolicies));
        Assert.True(GrantAuthorization.Allows([Grant(Session, GrantOperation.Decrypt)], GrantOperation.Decrypt, session, null, NoPolicies));
    }

    [Fact]
    public void Allows_AccountGrantee_DelegatesToIdentityPolicies()
    {
        IReadOnlyList<Grant> grants = [Grant(Root, GrantOperation.Encrypt)];
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, Request(Alice, "kms:Encrypt"), null, AllowsEncrypt));
        Assert.False(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, Request(Alice, "kms:Encrypt"), null, NoPolicies));
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, RootRequest("kms:Encrypt"), null, NoPolicies));
        Assert.False(GrantAuthorization.Allows([Grant(OtherRoot, GrantOperation.Encrypt)], GrantOperation.Encrypt, Request(Alice, "kms:Encrypt"), null, AllowsEncrypt));
    }

    [Fact]
    public void Allows_Constraint_AppliesOnlyToOperationsWithEncryptionContext()
    {
        var constraint = GrantConstraint.From(new Dictionary<string, string> { ["tenant"] = "acme" }, null);
        IReadOnlyList<Grant> grants = [Grant(Alice, constraint, GrantOperation.Decrypt, GrantOperation.DescribeKey)];
        var acme = new Dictionary<string, string> { ["tenant"] = "acme" };
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Decrypt, Request(Alice, "kms:Decrypt"), acme, NoPolicies));
        Assert.False(GrantAuthorization.Allows(grants, GrantOperation.Decrypt, Request(Alice, "kms:Decrypt"), null, NoPolicies));
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.DescribeKey, Request(Alice, "kms:DescribeKey"), null, NoPolicies));
    }

    [Fact]
    public void AllowsCreateGrant_OnlyForNoBroaderGrants()
    {
        var parent = GrantConstraint.From(null, new Dictionary<string, string> { ["a"] = "1" });
        IReadOnlyList<Grant> grants = [Grant(Alice, parent, GrantOperation.Encrypt, GrantOperation.Decrypt, GrantOperation.CreateGrant)];
        var request = Request(Alice, "kms:CreateGrant");
        var stricter = GrantConstraint.From(new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" }, null);

        Assert.True(GrantAuthorization.AllowsCreateGrant(grants, request, GrantOperationSet.Of(GrantOperation.Encrypt), stricter, NoPolicies));
        Assert.True(GrantAuthorization.AllowsCreateGrant(grants, request, GrantOperationSet.Of(GrantOperation.Encrypt, GrantOperation.CreateGrant), parent, NoPolicies));
        Assert.False(GrantAuthorization.AllowsCreateGrant(grants, request, GrantOperationSet.Of(GrantOperation.GenerateDataKey), parent, NoPolicies));
        Assert.False(GrantAuthorization.AllowsCreateGrant(grants, request, GrantOperationSet.Of(GrantOperation.Encrypt), null, NoPolicies));
        Assert.False(GrantAuthorization.AllowsCreateGrant([Grant(Alice, GrantOperation.Encrypt)], request, GrantOperationSet.Of(GrantOperation.Encrypt), null, NoPolicies));
    }

    [Fact]
    public void DecideRetire_FollowsTheGrant()
    {
        var bob = "arn:aws:iam::111122223333:user/bob";
        var grant = Grant(Alice, GrantOperation.Encrypt) with { RetiringPrincipal = bob };
        Assert.True(GrantAuthorization.DecideRetire(grant, Request(bob, "kms:RetireGrant"), NoPolicies).IsAllowed);
        Assert.False(GrantAuthorization.DecideRetire(grant, Request(Alice, "kms:RetireGrant"), NoPolicies).IsAllowed);
        Assert.True(GrantAuthorization.DecideRetire(grant with { Operations = [GrantOperation.RetireGrant] }, Request(Alice, "kms:RetireGrant"), NoPolicies).IsAllowed);

        // The issuing (and key) account's root, and its principals with kms:RetireGrant in their identity policies.
        Assert.True(GrantAuthorization.DecideRetire(grant, RootRequest("kms:RetireGrant"), NoPolicies).IsAllowed);
        Assert.True(GrantAuthorization.DecideRetire(grant, Request("arn:aws:iam::111122223333:user/carol", "kms:RetireGrant"), AllowsEncrypt).IsAllowed);

        // An explicit deny in an identity policy wins, even for the retiring principal.
        var denied = GrantAuthorization.DecideRetire(grant, Request(bob, "kms:RetireGrant"), DeniesRetire);
        Assert.Equal(Decision.ExplicitDeny, denied.Decision);
    }

    [Fact]
    public void Allows_WithoutGrantsOrWithDirectGrantee_AllocatesNothing()
    {
        IReadOnlyList<Grant> none = [];
        var constraint = GrantConstraint.From(null, new Dictionary<string, string> { ["tenant"] = "acme" });
        IReadOnlyList<Grant> grants = [Grant("arn:aws:iam::111122223333:user/bob", GrantOperation.Encrypt), Grant(Alice, constraint, GrantOperation.Encrypt)];
        var request = Request(Alice, "kms:Encrypt");
        var context = new Dictionary<string, string> { ["tenant"] = "acme", ["x"] = "1" };
        Assert.True(GrantAuthorization.Allows(grants, GrantOperation.Encrypt, request, context, NoPolicies));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var allowed = 0;
        for (var i = 0; i < 1000; i++)
        {
            allowed += GrantAuthorization.Allows(none, GrantOperation.Encrypt, request, context, NoPolicies) ? 1 : 0;
            allowed += GrantAuthorization.Allows(grants, GrantOperation.Encrypt, request, context, NoPolicies) ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(1000, allowed);
    }

    private static Grant Grant(string grantee, params GrantOperation[] operations) => Grant(grantee, null, operations);

    private static Grant Grant(string grantee, GrantConstraint? constraint, params GrantOperation[] operations) =>
        new(GrantToken.NewGrantId(), KeyArn, null, grantee, null, Root, operations, constraint, DateTimeOffset.UnixEpoch);

    private static RequestContext Request(string principal, string action) => new()
    {
        PrincipalArn = principal,
        PrincipalAccount = principal.Split(':')[4],
        PrincipalType = PrincipalType.User,
        Action = action,
        ResourceArn = KeyArn,
    };

    private static RequestContext RootRequest(string action) => new()
    {
        PrincipalArn = Root,
        PrincipalAccount = "111122223333",
        PrincipalType = PrincipalType.Account,
        Action = action,
        ResourceArn = KeyArn,
    };
}
