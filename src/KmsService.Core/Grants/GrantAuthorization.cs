using KmsService.Core.Policy;

namespace KmsService.Core.Grants;

/// <summary>
/// What grants allow (KMS Developer Guide, "Grants in AWS KMS", "Granting CreateGrant permission", "Retiring and
/// revoking grants"). A grant allows its grantee principal its operations on its key when its constraint holds; a role
/// grantee covers the role's sessions. A grantee that is an account (<c>arn:aws:iam::ACCOUNT:root</c>) delegates to the
/// account, as an account principal in a key policy does: its root user, and its users and roles whose identity
/// policies allow the action. Grants only allow: explicit denies are decided before they are consulted.
/// </summary>
public static class GrantAuthorization
{
    /// <summary>Whether a grant lets the caller of <paramref name="request"/> perform <paramref name="operation"/> on
    /// the grants' key with <paramref name="encryptionContext"/>. Allocation-free unless a grant names an account.</summary>
    public static bool Allows(
        IReadOnlyList<Grant> grants,
        GrantOperation operation,
        RequestContext request,
        IReadOnlyDictionary<string, string>? encryptionContext,
        IReadOnlyList<PolicyDocument> identityPolicies)
    {
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(request);
        var constrained = GrantOperationSet.WithEncryptionContext.Contains(operation);
        bool? identityAllows = null;
        for (var i = 0; i < grants.Count; i++)
        {
            var grant = grants[i];
            if (!grant.OperationSet.Contains(operation))
            {
                continue;
            }

            // The constraint applies only to operations that take an encryption context (not DescribeKey, RetireGrant).
            if (constrained && grant.Constraints is { } constraints && !constraints.Allows(encryptionContext))
            {
                continue;
            }

            if (Names(grant.GranteePrincipal, request, identityPolicies, ref identityAllows))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Whether a grant lets the caller create a grant with <paramref name="operations"/> and
    /// <paramref name="constraints"/>: a grant that allows CreateGrant lets its grantee create only grants for some or
    /// all of its own operations, with a constraint at least as strict as its own.
    /// </summary>
    public static bool AllowsCreateGrant(
        IReadOnlyList<Grant> grants,
        RequestContext request,
        GrantOperationSet operations,
        GrantConstraint? constraints,
        IReadOnlyList<PolicyDocument> identityPolicies)
    {
        ArgumentNullException.ThrowIfNull(grants);
        ArgumentNullException.ThrowIfNull(request);
        bool? identityAllows = null;
        foreach (var grant in grants)
        {
            if (grant.OperationSet.Contains(GrantOperation.CreateGrant)
                && operations.IsSubsetOf(grant.OperationSet)
                && (grant.Constraints is null || grant.Constraints.IsSatisfiedBy(constraints))
                && Names(grant.GranteePrincipal, request, identityPolicies, ref identityAllows))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// Decides a RetireGrant request (action <c>kms:RetireGrant</c> on the grant's key). The grant decides, not the key
    /// policy: its retiring principal, its grantee when it allows RetireGrant, and the account that issued it or owns
    /// the key may retire it; each of those principals that is an account delegates to its users and roles with
    /// <c>kms:RetireGrant</c> in their identity policies. An explicit deny of <c>kms:RetireGrant</c> in an identity
    /// policy wins; the key policy plays no part ("The kms:RetireGrant permission is not effective in a key policy").
    /// </summary>
    public static AuthorizationResult DecideRetire(Grant grant, RequestContext request, IReadOnlyList<PolicyDocument> identityPolicies)
    {
        ArgumentNullException.ThrowIfNull(grant);
        ArgumentNullException.ThrowIfNull(request);
        var identity = KmsAuthorization.Decide(request, keyPolicy: null, identityPolicies);
        if (identity.Decision == Decision.ExplicitDeny)
        {
            return identity;
        }

        bool? identityAllows = identity.IsAllowed;
        var allowed =
            (grant.RetiringPrincipal is { } retiring && Names(retiring, request, identityPolicies, ref identityAllows))
            || (grant.OperationSet.Contains(GrantOperation.RetireGrant) && Names(grant.GranteePrincipal, request, identityPolicies, ref identityAllows))
            || Names(grant.IssuingAccount, request, identityPolicies, ref identityAllows)
            || (KmsAuthorization.ResourceAccount(grant.KeyArn).SequenceEqual(request.PrincipalAccount) && identity.IsAllowed);
        return allowed
            ? new AuthorizationResult(Decision.Allow, DenialReason.None, null)
            : new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null);
    }

    /// <summary>Whether <paramref name="principal"/> (a grant's grantee or retiring principal) covers the caller: it
    /// names the caller, its role, or its account, where the account's root user is covered and anyone else in it
    /// only when the caller's identity policies allow the request.</summary>
    internal static bool Names(
        string principal, RequestContext request, IReadOnlyList<PolicyDocument> identityPolicies, ref bool? identityAllows)
    {
        if (string.Equals(principal, request.PrincipalArn, StringComparison.Ordinal)
            || string.Equals(principal, request.SessionArn, StringComparison.Ordinal))
        {
            return true;
        }

        if (!IsRootOf(principal, request.PrincipalAccount))
        {
            return false;
        }

        identityAllows ??= KmsAuthorization.Decide(request, keyPolicy: null, identityPolicies).IsAllowed;
        return identityAllows.Value;
    }

    // arn:PARTITION:iam::ACCOUNT:root of the given account.
    private static bool IsRootOf(string principal, string account) =>
        principal.EndsWith(":root", StringComparison.Ordinal)
        && principal.AsSpan().Contains(":iam::", StringComparison.Ordinal)
        && KmsAuthorization.ResourceAccount(principal).SequenceEqual(account);
}
