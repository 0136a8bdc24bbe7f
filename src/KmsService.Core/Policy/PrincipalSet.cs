namespace KmsService.Core.Policy;

/// <summary>How a statement's Principal relates to the caller.</summary>
internal enum PrincipalMatch : byte
{
    None,

    /// <summary>The statement names the caller itself (or everyone).</summary>
    Direct,

    /// <summary>
    /// The statement names the caller's account (<c>arn:aws:iam::ACCOUNT:root</c> or the account id): in a key policy
    /// this delegates to the account's identity policies.
    /// </summary>
    Account,
}

/// <summary>The compiled Principal or NotPrincipal of a statement.</summary>
internal sealed class PrincipalSet
{
    private readonly string[] _arns;
    private readonly string[] _accounts;
    private readonly string[] _services;

    public PrincipalSet(bool everyone, string[] arns, string[] accounts, string[] services)
    {
        Everyone = everyone;
        _arns = arns;
        _accounts = accounts;
        _services = services;
    }

    /// <summary>The IAM user, role and session ARNs named (account roots and ids excluded).</summary>
    public IReadOnlyList<string> Arns => _arns;

    /// <summary><c>"*"</c> or <c>{"AWS": "*"}</c>.</summary>
    public bool Everyone { get; }

    public PrincipalMatch Match(RequestContext request)
    {
        if (Everyone)
        {
            return PrincipalMatch.Direct;
        }

        if (request.PrincipalType == PrincipalType.Service)
        {
            foreach (var service in _services)
            {
                if (service.Equals(request.PrincipalArn, StringComparison.OrdinalIgnoreCase))
                {
                    return PrincipalMatch.Direct;
                }
            }

            return PrincipalMatch.None;
        }

        if (ContainsArn(request.PrincipalArn) || (request.SessionArn is { } session && ContainsArn(session)))
        {
            return PrincipalMatch.Direct;
        }

        if (ContainsAccount(request.PrincipalAccount))
        {
            // The root user is the account principal itself; anyone else in the account is reached by delegation.
            return request.PrincipalType == PrincipalType.Account ? PrincipalMatch.Direct : PrincipalMatch.Account;
        }

        return PrincipalMatch.None;
    }

    /// <summary>
    /// NotPrincipal: the statement applies unless every identity of the caller is listed. IAM User Guide,
    /// "NotPrincipal": a request is checked for each of the caller's principals (session, role or user, account),
    /// so excluding a role session needs the session ARN, the role ARN and the account; a user needs user and account.
    /// </summary>
    public bool ExcludesCaller(RequestContext request)
    {
        if (Everyone)
        {
            return true;
        }

        if (request.PrincipalType == PrincipalType.Service)
        {
            return Match(request) == PrincipalMatch.Direct;
        }

        var accountListed = ContainsAccount(request.PrincipalAccount);
        if (request.PrincipalType == PrincipalType.Account)
        {
            return accountListed;
        }

        var identityListed = ContainsArn(request.PrincipalArn) && (request.SessionArn is not { } s || ContainsArn(s));
        return accountListed && identityListed;
    }

    private bool ContainsArn(string arn)
    {
        foreach (var candidate in _arns)
        {
            if (candidate.Equals(arn, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private bool ContainsAccount(string account)
    {
        foreach (var candidate in _accounts)
        {
            if (candidate.Equals(account, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}
