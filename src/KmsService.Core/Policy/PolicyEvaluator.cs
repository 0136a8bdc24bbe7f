namespace KmsService.Core.Policy;

/// <summary>A statement that matched the request, and where it came from.</summary>
/// <param name="Source">Key policy or identity policy.</param>
/// <param name="PolicyIndex">The policy's position in the list it was given in (0 for the key policy).</param>
/// <param name="Statement">The statement; <see cref="PolicyStatement.Sid"/> and <see cref="PolicyStatement.Index"/> identify it.</param>
public readonly record struct StatementMatch(PolicySource Source, int PolicyIndex, PolicyStatement Statement);

/// <summary>The outcome of <see cref="PolicyEvaluator.Evaluate"/>: a decision and the first statement that decided it.</summary>
public readonly record struct PolicyEvaluation(Decision Decision, StatementMatch? DecidingStatement);

/// <summary>
/// Plain IAM evaluation of a set of policies: an explicit Deny wins, else any Allow allows, else the request is
/// implicitly denied. Pure and allocation-free; KMS's key-policy rules are in <see cref="KmsAuthorization"/>.
/// </summary>
public static class PolicyEvaluator
{
    /// <summary>Evaluates <paramref name="policies"/> for the request; statements naming the caller's account count.</summary>
    public static PolicyEvaluation Evaluate(RequestContext request, IReadOnlyList<PolicyDocument> policies) =>
        Evaluate(request, policies, null);

    /// <summary>As <see cref="Evaluate(RequestContext, IReadOnlyList{PolicyDocument})"/>, also collecting every
    /// statement that carries the decision's effect into <paramref name="matches"/>.</summary>
    public static PolicyEvaluation Evaluate(
        RequestContext request, IReadOnlyList<PolicyDocument> policies, ICollection<StatementMatch>? matches)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(policies);
        StatementMatch? deny = null;
        StatementMatch? allow = null;
        for (var p = 0; p < policies.Count; p++)
        {
            var source = policies[p].Kind == PolicyKind.KeyPolicy ? PolicySource.KeyPolicy : PolicySource.IdentityPolicy;
            foreach (var statement in policies[p].StatementArray)
            {
                if (statement.Effect == PolicyEffect.Allow && (allow is not null && matches is null || deny is not null))
                {
                    continue;
                }

                if (statement.MatchPrincipal(request) == PrincipalMatch.None || !statement.AppliesTo(request))
                {
                    continue;
                }

                var match = new StatementMatch(source, p, statement);
                if (statement.Effect == PolicyEffect.Deny)
                {
                    if (deny is null)
                    {
                        deny = match;
                        matches?.Clear();
                    }

                    if (matches is null)
                    {
                        return new PolicyEvaluation(Decision.ExplicitDeny, deny);
                    }

                    matches.Add(match);
                }
                else
                {
                    allow ??= match;
                    matches?.Add(match);
                }
            }
        }

        return deny is not null ? new PolicyEvaluation(Decision.ExplicitDeny, deny)
            : allow is not null ? new PolicyEvaluation(Decision.Allow, allow)
            : new PolicyEvaluation(Decision.ImplicitDeny, null);
    }
}
