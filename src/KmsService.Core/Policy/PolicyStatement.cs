namespace KmsService.Core.Policy;

/// <summary>One compiled statement of a policy document; immutable.</summary>
public sealed class PolicyStatement
{
    private readonly PrincipalSet? _principal;
    private readonly PrincipalSet? _notPrincipal;
    private readonly GlobPattern[] _actions;
    private readonly bool _notAction;
    private readonly PolicyString[] _resources;
    private readonly bool _notResource;
    private readonly ConditionClause[] _conditions;

    internal PolicyStatement(
        int index,
        string? sid,
        PolicyEffect effect,
        PrincipalSet? principal,
        PrincipalSet? notPrincipal,
        GlobPattern[] actions,
        bool notAction,
        PolicyString[] resources,
        bool notResource,
        ConditionClause[] conditions)
    {
        Index = index;
        Sid = sid;
        Effect = effect;
        _principal = principal;
        _notPrincipal = notPrincipal;
        _actions = actions;
        _notAction = notAction;
        _resources = resources;
        _notResource = notResource;
        _conditions = conditions;
    }

    /// <summary>The position of the statement in the document's Statement list (0-based).</summary>
    public int Index { get; }

    /// <summary>The statement id, if the document gave one.</summary>
    public string? Sid { get; }

    /// <summary>Allow or Deny.</summary>
    public PolicyEffect Effect { get; }

    /// <summary>The IAM user, role and session ARNs its Principal or NotPrincipal names.</summary>
    public IReadOnlyList<string> PrincipalArns => (_principal ?? _notPrincipal)?.Arns ?? [];

    /// <summary>True when the statement has a Principal or NotPrincipal element.</summary>
    public bool HasPrincipal => _principal is not null || _notPrincipal is not null;

    /// <summary>
    /// How the statement's Principal/NotPrincipal covers the caller; statements without one (identity policies) apply
    /// to the caller they are attached to.
    /// </summary>
    internal PrincipalMatch MatchPrincipal(RequestContext request)
    {
        if (_principal is not null)
        {
            return _principal.Match(request);
        }

        if (_notPrincipal is not null)
        {
            return _notPrincipal.ExcludesCaller(request) ? PrincipalMatch.None : PrincipalMatch.Direct;
        }

        return PrincipalMatch.Direct;
    }

    /// <summary>Action/NotAction, Resource/NotResource and every Condition clause hold for the request.</summary>
    internal bool AppliesTo(RequestContext request)
    {
        // IAM: action names are case-insensitive ("kms:encrypt" is kms:Encrypt).
        var action = false;
        foreach (var pattern in _actions)
        {
            if (pattern.IsMatch(request.Action, ignoreCase: true))
            {
                action = true;
                break;
            }
        }

        if (action == _notAction)
        {
            return false;
        }

        // Operations not tied to a resource are evaluated against "*", which only Resource "*" matches.
        var arn = request.ResourceArn ?? "*";
        var resource = false;
        foreach (var pattern in _resources)
        {
            if (pattern.IsAny || pattern.IsLike(arn, ignoreCase: false, request))
            {
                resource = true;
                break;
            }
        }

        if (resource == _notResource)
        {
            return false;
        }

        // IAM: all operators of a Condition block must hold (AND); so must every key within an operator.
        foreach (var clause in _conditions)
        {
            // Where in doubt a clause fails closed, which depends on the statement's effect.
            if (!clause.Evaluate(request, inAllow: Effect == PolicyEffect.Allow))
            {
                return false;
            }
        }

        return true;
    }
}
