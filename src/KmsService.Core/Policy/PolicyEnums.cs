namespace KmsService.Core.Policy;

/// <summary>The outcome of evaluating policies for one request.</summary>
public enum Decision
{
    /// <summary>No statement allowed the request (the default).</summary>
    ImplicitDeny,

    /// <summary>The request is allowed.</summary>
    Allow,

    /// <summary>A Deny statement matched; nothing can override it.</summary>
    ExplicitDeny,
}

/// <summary>The Effect of a policy statement.</summary>
public enum PolicyEffect
{
    Allow,
    Deny,
}

/// <summary>Which kind of document is parsed: key policies name principals, identity policies must not.</summary>
public enum PolicyKind
{
    /// <summary>A KMS key policy (resource-based): every statement has Principal or NotPrincipal.</summary>
    KeyPolicy,

    /// <summary>An IAM identity-based policy attached to a user or role: no Principal element.</summary>
    IdentityPolicy,
}

/// <summary>The kind of caller, as reported by <c>aws:PrincipalType</c>.</summary>
public enum PrincipalType
{
    /// <summary>The account's root user (<c>arn:aws:iam::ACCOUNT:root</c>).</summary>
    Account,

    /// <summary>An IAM user.</summary>
    User,

    /// <summary>A role session (<c>arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION</c>).</summary>
    AssumedRole,

    /// <summary>An IAM role acting without a session ARN; reported to policies as AssumedRole.</summary>
    Role,

    /// <summary>A federated user session.</summary>
    FederatedUser,

    /// <summary>An AWS service principal such as <c>logs.amazonaws.com</c>.</summary>
    Service,
}

/// <summary>Which policy a deciding statement came from.</summary>
public enum PolicySource
{
    KeyPolicy,
    IdentityPolicy,
}

/// <summary>Why a request was denied, in the words of AWS's AccessDenied message.</summary>
public enum DenialReason
{
    /// <summary>The request was allowed.</summary>
    None,

    /// <summary>"because no resource-based policy allows the kms:X action" (the key policy).</summary>
    NoResourcePolicyAllows,

    /// <summary>"because no identity-based policy allows the kms:X action".</summary>
    NoIdentityPolicyAllows,

    /// <summary>"with an explicit deny in a resource-based policy".</summary>
    ExplicitDenyInResourcePolicy,

    /// <summary>"with an explicit deny in an identity-based policy".</summary>
    ExplicitDenyInIdentityPolicy,

    /// <summary>The key is in another account and the operation is not one KMS allows across accounts, whatever the
    /// policies say; nothing, not even a grant, can allow it.</summary>
    NotCrossAccountOperation,

    /// <summary>Evaluating the policies for this request compared more than <see cref="RequestContext.ComparisonBudget"/>
    /// characters: the request is refused rather than let a policy stall the service.</summary>
    EvaluationLimitExceeded,
}
