namespace KmsService.Core.Policy;

/// <summary>A statement that matched the request, and where it came from.</summary>
/// <param name="Source">Key policy or identity policy.</param>
/// <param name="PolicyIndex">The policy's position in the list it was given in (0 for the key policy).</param>
/// <param name="Statement">The statement; <see cref="PolicyStatement.Sid"/> and <see cref="PolicyStatement.Index"/> identify it.</param>
public readonly record struct StatementMatch(PolicySource Source, int PolicyIndex, PolicyStatement Statement);


/// <summary>The outcome of <see cref="KmsAuthorization.Decide"/>.</summary>
/// <param name="Decision">Allow, ExplicitDeny or ImplicitDeny.</param>
/// <param name="Reason">Why a request was denied; <see cref="DenialReason.None"/> when allowed.</param>
/// <param name="DecidingStatement">The first statement that decided it (a Deny, or the Allow that sufficed); null for
/// implicit denies and grant-only allows.</param>
public readonly record struct AuthorizationResult(Decision Decision, DenialReason Reason, StatementMatch? DecidingStatement)
{
    /// <summary>True when the request may proceed.</summary>
    public bool IsAllowed => Decision == Decision.Allow;

    /// <summary>True when a grant may still allow the request: the policies neither allowed nor explicitly denied it,
    /// and the operation is one that may be performed on the key at all (KMS Developer Guide, "Grants in AWS KMS": a
    /// grant "can allow access to a KMS key, but not deny access").</summary>
    public bool GrantMayAllow => Decision == Decision.ImplicitDeny && Reason != DenialReason.NotCrossAccountOperation;

    /// <summary>
    /// AWS's AccessDeniedException message: "User: ARN is not authorized to perform: kms:X on resource: ARN because no
    /// resource-based policy allows the kms:X action" (or identity-based, or "with an explicit deny in ...").
    /// </summary>
    public string AccessDeniedMessage(RequestContext request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var prefix = $"User: {request.CallerArn} is not authorized to perform: {request.Action} on resource: {request.ResourceArn ?? "*"}";
        return Reason switch
        {
            DenialReason.ExplicitDenyInResourcePolicy => prefix + " with an explicit deny in a resource-based policy",
            DenialReason.ExplicitDenyInIdentityPolicy => prefix + " with an explicit deny in an identity-based policy",
            DenialReason.NoIdentityPolicyAllows => $"{prefix} because no identity-based policy allows the {request.Action} action",
            DenialReason.NotCrossAccountOperation => $"{prefix} because {request.Action} cannot be performed on a KMS key in another AWS account",
            DenialReason.EvaluationLimitExceeded => $"{prefix} because evaluating the policies' conditions for this request compares more than this service allows; simplify the key or identity policy, or send a smaller encryption context",
            _ => $"{prefix} because no resource-based policy allows the {request.Action} action",
        };
    }
}

/// <summary>
/// KMS authorization (KMS Developer Guide, "Key policies" and "Allowing users in other accounts to use a KMS key";
/// IAM User Guide, "Policy evaluation logic" and "Cross-account policy evaluation logic"):
/// an explicit Deny in the key policy or an identity policy wins; otherwise the key policy must allow, either naming
/// the caller (allowed) or the caller's account (then an identity policy must allow too); a caller from another
/// account needs both the key policy and its own identity policy, and only for the operations KMS allows across
/// accounts; operations not tied to a key are decided by identity policies alone. Grants are the caller's business
/// (<see cref="Grants.GrantAuthorization"/>), consulted only where this gives an implicit deny that a grant may lift.
/// Pure and allocation-free.
/// </summary>
public static class KmsAuthorization
{
    /// <summary>Decides one request.</summary>
    /// <param name="request">The caller, action, key ARN and condition keys.</param>
    /// <param name="keyPolicy">The key's policy; null for operations not tied to a key.</param>
    /// <param name="identityPolicies">The caller's identity policies (empty for root users and services).</param>
    /// <param name="matches">When given, receives every statement behind the decision (for tests and tracing).</param>
    public static AuthorizationResult Decide(
        RequestContext request,
        PolicyDocument? keyPolicy,
        IReadOnlyList<PolicyDocument> identityPolicies,
        ICollection<StatementMatch>? matches = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(identityPolicies);
        var result = DecideWithinBudget(request, keyPolicy, identityPolicies, matches);

        // Conditions failed closed once the budget was spent, so whatever they decided is no answer: refuse, and let no
        // grant allow it either.
        return request.ComparisonBudgetExceeded
            ? new AuthorizationResult(Decision.ExplicitDeny, DenialReason.EvaluationLimitExceeded, null)
            : result;
    }

    private static AuthorizationResult DecideWithinBudget(
        RequestContext request,
        PolicyDocument? keyPolicy,
        IReadOnlyList<PolicyDocument> identityPolicies,
        ICollection<StatementMatch>? matches)
    {
        var trace = matches is not null;
        var isService = request.PrincipalType == PrincipalType.Service;
        var sameAccount = keyPolicy is not null && (isService || ResourceAccount(request.ResourceArn).SequenceEqual(request.PrincipalAccount));

        // KMS Developer Guide, "Allowing users in other accounts to use a KMS key": cross-account permission is
        // effective only for some operations; "if you give a user in a different account permission for other
        // operations, those permissions have no effect". Decided before any policy is read.
        if (keyPolicy is not null && !sameAccount && !CrossAccountActions.Allows(request.Action))
        {
            return new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NotCrossAccountOperation, null);
        }

        StatementMatch? keyDeny = null, keyDirect = null, keyAccount = null;
        StatementMatch? identityDeny = null, identityAllow = null;
        List<StatementMatch>? denies = trace ? [] : null;
        List<StatementMatch>? keyAllows = trace ? [] : null;
        List<StatementMatch>? identityAllows = trace ? [] : null;

        if (keyPolicy is not null)
        {
            foreach (var statement in keyPolicy.StatementArray)
            {
                if (statement.Effect == PolicyEffect.Allow && keyDirect is not null && !trace)
                {
                    continue;
                }

                var principal = statement.MatchPrincipal(request);
                if (principal == PrincipalMatch.None || !statement.AppliesTo(request))
                {
                    continue;
                }

                var match = new StatementMatch(PolicySource.KeyPolicy, 0, statement);
                if (statement.Effect == PolicyEffect.Deny)
                {
                    keyDeny ??= match;
                    if (!trace)
                    {
                        return new AuthorizationResult(Decision.ExplicitDeny, DenialReason.ExplicitDenyInResourcePolicy, keyDeny);
                    }

                    denies!.Add(match);
                }
                else
                {
                    if (principal == PrincipalMatch.Direct)
                    {
                        keyDirect ??= match;
                    }
                    else
                    {
                        keyAccount ??= match;
                    }

                    keyAllows?.Add(match);
                }
            }
        }

        // Identity policies belong to IAM users and roles; services have none. Their Allow statements matter only when
        // the key policy does not decide alone (no key, delegation to the account, or another account's caller).
        var needIdentityAllow = keyPolicy is null || !sameAccount || keyDirect is null;
        if (!isService)
        {
            for (var p = 0; p < identityPolicies.Count; p++)
            {
                foreach (var statement in identityPolicies[p].StatementArray)
                {
                    if (statement.Effect == PolicyEffect.Allow && !trace && (!needIdentityAllow || identityAllow is not null))
                    {
                        continue;
                    }

                    if (!statement.AppliesTo(request))
                    {
                        continue;
                    }

                    var match = new StatementMatch(PolicySource.IdentityPolicy, p, statement);
                    if (statement.Effect == PolicyEffect.Deny)
                    {
                        identityDeny ??= match;
                        if (!trace)
                        {
                            return new AuthorizationResult(Decision.ExplicitDeny, DenialReason.ExplicitDenyInIdentityPolicy, identityDeny);
                        }

                        denies!.Add(match);
                    }
                    else
                    {
                        identityAllow ??= match;
                        identityAllows?.Add(match);
                    }
                }
            }
        }

        if (keyDeny is not null || identityDeny is not null)
        {
            AddAll(matches, denies);
            return keyDeny is not null
                ? new AuthorizationResult(Decision.ExplicitDeny, DenialReason.ExplicitDenyInResourcePolicy, keyDeny)
                : new AuthorizationResult(Decision.ExplicitDeny, DenialReason.ExplicitDenyInIdentityPolicy, identityDeny);
        }

        // The root user holds every permission of its own account without identity policies.
        var identityAllowed = request.PrincipalType == PrincipalType.Account || identityAllow is not null;
        if (keyPolicy is null)
        {
            AddAll(matches, identityAllows);
            return identityAllowed
                ? new AuthorizationResult(Decision.Allow, DenialReason.None, identityAllow)
                : new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null);
        }

        if (sameAccount && keyDirect is not null)
        {
            AddDirect(matches, keyAllows, request);
            return new AuthorizationResult(Decision.Allow, DenialReason.None, keyDirect);
        }

        var keyAllow = keyDirect ?? keyAccount;
        if (keyAllow is not null && identityAllowed && !isService)
        {
            // KMS: a key policy that names the account delegates to IAM; a cross-account caller needs both sides.
            AddAll(matches, keyAllows);
            AddAll(matches, identityAllows);
            return new AuthorizationResult(Decision.Allow, DenialReason.None, keyAllow);
        }

        return keyAllow is null || isService
            ? new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoResourcePolicyAllows, null)
            : new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null);
    }

    // The account field of arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE, without allocating.
    internal static ReadOnlySpan<char> ResourceAccount(string? arn)
    {
        var rest = arn.AsSpan();
        for (var field = 0; field < 4; field++)
        {
            var colon = rest.IndexOf(':');
            if (colon < 0)
            {
                return [];
            }

            rest = rest[(colon + 1)..];
        }

        var end = rest.IndexOf(':');
        return end < 0 ? [] : rest[..end];
    }

    private static void AddAll(ICollection<StatementMatch>? target, List<StatementMatch>? source)
    {
        if (target is null || source is null)
        {
            return;
        }

        foreach (var match in source)
        {
            target.Add(match);
        }
    }

    // For a same-account direct allow only the statements naming the caller decided.
    private static void AddDirect(ICollection<StatementMatch>? target, List<StatementMatch>? source, RequestContext request)
    {
        if (target is null || source is null)
        {
            return;
        }

        foreach (var match in source)
        {
            if (match.Statement.MatchPrincipal(request) == PrincipalMatch.Direct)
            {
                target.Add(match);
            }
        }
    }
}
