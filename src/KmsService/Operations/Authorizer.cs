using System.Collections.Concurrent;
using System.Globalization;
using KmsService.Core.Errors;
using KmsService.Core.Grants;
using KmsService.Core.Keys;
using KmsService.Core.Policy;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Authorizes every request as AWS KMS does (PARC): the key policy and the caller's identity policies are
/// evaluated with the request's condition keys; an explicit deny wins, the key policy must allow the caller or
/// delegate to the account's identity policies, and operations not tied to a key are decided by identity policies
/// alone. A denial is an AccessDeniedException in AWS's wording. Grants are consulted only where the policies do not
/// allow and do not explicitly deny, for the operations a grant can allow (<see cref="DemandAsync"/>).</summary>
internal sealed class Authorizer(TimeProvider time, GrantStore grants)
{
    // kms:GrantIsForAWSResource is true only when an AWS service integrated with KMS calls on a principal's behalf
    // (KMS Developer Guide, "kms:GrantIsForAWSResource"); no AWS service calls this service, so it is always false.
    private const string NotForAwsResource = "false";

    // "kms:Encrypt" for "Encrypt": the actions are the operations' constant names, so each is concatenated once. Bounded
    // all the same, should an action ever come from a request.
    private const int MaxCachedActions = 256;
    private static readonly ConcurrentDictionary<string, string> ActionNames = new(StringComparer.Ordinal);

    // aws:CurrentTime and aws:EpochTime change once a second: formatted then, not for every request.
    private TimeConditions? _timeConditions;

    /// <summary>Demands <c>kms:<paramref name="action"/></c> on <paramref name="key"/> from the policies alone: for
    /// actions no grant can allow. Grant operations (Encrypt, Decrypt, DescribeKey, …) use <see cref="DemandAsync"/>.</summary>
    public void Demand(
        CallContext call,
        string action,
        KmsKey key,
        IReadOnlyDictionary<string, string>? encryptionContext = null,
        Action<RequestContext>? conditions = null)
    {
        var request = Request(call, action, key);
        request.SetEncryptionContext(encryptionContext);
        conditions?.Invoke(request);

        // INVARIANT: keys loaded from the store always carry their parsed policy; fail closed otherwise.
        var policy = key.KeyPolicy ?? throw new KMSInternalException("The key's policy is not loaded.");
        Check(KmsAuthorization.Decide(request, policy, call.Principal.Policies), request);
    }

    /// <summary>Demands an action that is not tied to a key (CreateKey, ListKeys, GenerateRandom, …): identity
    /// policies alone decide.</summary>
    public void DemandWithoutKey(CallContext call, string action, Action<RequestContext>? conditions = null)
    {
        var request = Request(call, action, key: null);
        conditions?.Invoke(request);
        Check(KmsAuthorization.Decide(request, keyPolicy: null, call.Principal.Policies), request);
    }

    /// <summary>Decides an action of another service that is not tied to a resource (<c>cloudtrail:LookupEvents</c>,
    /// named in full): identity policies alone, evaluated against Resource <c>*</c>. The caller words the denial.</summary>
    public AuthorizationResult DecideServiceAction(CallContext call, string qualifiedAction) =>
        KmsAuthorization.Decide(Request(call, qualifiedAction, key: null, qualified: true), keyPolicy: null, call.Principal.Policies);

    /// <summary>Demands an admin API action (<c>kmsadmin:CreatePrincipal</c>, named in full) on an IAM resource
    /// (<paramref name="resourceArn"/>, or <c>*</c> when null) from the caller's identity policies alone, as IAM decides:
    /// an account's root holds every permission only where <paramref name="rootHoldsAll"/> (a resource of its own
    /// account); anywhere else even a root needs an identity policy that allows the action.</summary>
    public void DemandAdminAction(CallContext call, string qualifiedAction, string? resourceArn, bool rootHoldsAll)
    {
        var request = Request(call, qualifiedAction, key: null, resourceArn, qualified: true);
        var result = KmsAuthorization.Decide(request, keyPolicy: null, call.Principal.Policies);

        // An allow without a statement is the root user's own-account allow.
        if (result.IsAllowed && result.DecidingStatement is null && !rootHoldsAll)
        {
            result = new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null);
        }

        Check(result, request);
    }

    /// <summary>The lockout safety check of PutKeyPolicy and CreateKey: would <paramref name="policy"/> still let the
    /// caller change the key policy?</summary>
    public bool AllowsPolicyChange(CallContext call, string keyArn, KmsKey? key, PolicyDocument policy)
    {
        var request = Request(call, "PutKeyPolicy", key, keyArn);
        return KmsAuthorization.Decide(request, policy, call.Principal.Policies).IsAllowed;
    }

    /// <summary>
    /// Demands <c>kms:<paramref name="action"/></c> on <paramref name="key"/>, where <paramref name="action"/> is a
    /// grant operation: the policies decide first, and only when they neither allow nor explicitly deny are the key's
    /// grants consulted (KMS Developer Guide, "Grants in AWS KMS": a grant "can allow access to a KMS key, but not deny
    /// access"; an explicit Deny wins over any grant). Completes synchronously, without touching the grants, whenever
    /// the policies decide.
    /// </summary>
    public ValueTask DemandAsync(
        CallContext call,
        string action,
        KmsKey key,
        IReadOnlyDictionary<string, string>? encryptionContext,
        Action<RequestContext>? conditions,
        CancellationToken ct)
    {
        var request = Request(call, action, key);
        request.SetEncryptionContext(encryptionContext);
        conditions?.Invoke(request);

        // INVARIANT: keys loaded from the store always carry their parsed policy; fail closed otherwise.
        var policy = key.KeyPolicy ?? throw new KMSInternalException("The key's policy is not loaded.");
        var result = KmsAuthorization.Decide(request, policy, call.Principal.Policies);
        if (result.IsAllowed)
        {
            return ValueTask.CompletedTask;
        }

        if (!result.GrantMayAllow || !GrantOperations.TryParse(action, out var operation))
        {
            throw Denied(result, request);
        }

        return DemandFromGrantsAsync(call, key.Arn, operation, request, encryptionContext, result, ct);
    }

    /// <summary>
    /// Demands <c>kms:CreateGrant</c> on <paramref name="key"/> for a grant with <paramref name="operations"/>,
    /// <paramref name="constraint"/>, grantee and retiring principal, which policies can test with the condition keys
    /// kms:GrantOperations, kms:GranteePrincipal, kms:RetiringPrincipal, kms:GrantConstraintType,
    /// kms:GrantIsForAWSResource and, from the constraint's pairs, kms:EncryptionContext:KEY and
    /// kms:EncryptionContextKeys (KMS Developer Guide, "AWS KMS condition keys"). Where the policies do not allow, a
    /// grant that allows CreateGrant does, for a grant no broader than itself.
    /// </summary>
    public async ValueTask DemandCreateGrantAsync(
        CallContext call,
        KmsKey key,
        IReadOnlyList<GrantOperation> operations,
        GrantConstraint? constraint,
        string granteePrincipal,
        string? retiringPrincipal,
        CancellationToken ct)
    {
        var request = Request(call, "CreateGrant", key);
        request.SetEncryptionContext(constraint?.Pairs);
        request
            .SetValues("kms:GrantOperations", operations.Select(GrantOperations.Name))
            .Set("kms:GranteePrincipal", granteePrincipal)
            .Set("kms:GrantIsForAWSResource", NotForAwsResource);
        if (retiringPrincipal is not null)
        {
            request.Set("kms:RetiringPrincipal", retiringPrincipal);
        }

        if (constraint is not null)
        {
            request.Set("kms:GrantConstraintType", constraint.Type);
        }

        var policy = key.KeyPolicy ?? throw new KMSInternalException("The key's policy is not loaded.");
        var result = KmsAuthorization.Decide(request, policy, call.Principal.Policies);
        if (result.IsAllowed)
        {
            return;
        }

        if (!result.GrantMayAllow
            || !GrantAuthorization.AllowsCreateGrant(
                await grants.ForKeyAsync(key.Arn, ct), request, GrantOperationSet.Of([.. operations]), constraint, call.Principal.Policies))
        {
            throw Denied(result, request);
        }
    }

    /// <summary>Demands <c>kms:ListGrants</c> or <c>kms:RevokeGrant</c> on <paramref name="key"/> from the policies,
    /// with kms:GrantIsForAWSResource (false: no AWS service calls this service on anyone's behalf).</summary>
    public void DemandGrantManagement(CallContext call, string action, KmsKey key) =>
        Demand(call, action, key, conditions: request => request.Set("kms:GrantIsForAWSResource", NotForAwsResource));

    /// <summary>Demands an IAM-only action whose resource is a principal of the caller's account
    /// (ListRetirableGrants): identity policies decide, and a principal of another account is always denied.</summary>
    public void DemandOnPrincipal(CallContext call, string action, string principalArn)
    {
        var request = Request(call, action, key: null, principalArn);
        var result = GrantPrincipals.AccountOf(principalArn).SequenceEqual(call.AccountId)
            ? KmsAuthorization.Decide(request, keyPolicy: null, call.Principal.Policies)
            : new AuthorizationResult(Decision.ImplicitDeny, DenialReason.NoIdentityPolicyAllows, null);
        Check(result, request);
    }

    /// <summary>Demands the right to retire <paramref name="grant"/> (RetireGrant): the grant decides who may, the
    /// caller's identity policies may delegate or deny it, the key policy plays no part (see
    /// <see cref="GrantAuthorization.DecideRetire"/>). <paramref name="key"/> is the grant's key when it is loaded.</summary>
    public void DemandRetire(CallContext call, Grant grant, KmsKey? key)
    {
        var request = Request(call, "RetireGrant", key, grant.KeyArn);
        var result = GrantAuthorization.DecideRetire(grant, request, call.Principal.Policies);
        if (!result.IsAllowed)
        {
            throw Denied(result, request);
        }
    }

    /// <summary>Condition keys of a request that names its key by alias: <c>kms:RequestAlias</c>.</summary>
    public static Action<RequestContext>? RequestAlias(string? keyId) => AliasIn(keyId) is { } alias
        ? request => request.Set("kms:RequestAlias", alias)
        : null;

    /// <summary>Condition keys of a cryptographic request: <c>kms:EncryptionAlgorithm</c> (SYMMETRIC_DEFAULT when
    /// the request names none) and <c>kms:RequestAlias</c>.</summary>
    public static Action<RequestContext> Cryptographic(string? keyId, string? algorithm) => request =>
    {
        request.Set("kms:EncryptionAlgorithm", algorithm ?? "SYMMETRIC_DEFAULT");
        if (AliasIn(keyId) is { } alias)
        {
            request.Set("kms:RequestAlias", alias);
        }
    };

    /// <summary>Condition keys of Sign and Verify: <c>kms:SigningAlgorithm</c>, <c>kms:MessageType</c> (RAW when the
    /// request names none) and <c>kms:RequestAlias</c> (KMS Developer Guide, "AWS KMS condition keys").</summary>
    public static Action<RequestContext> Signing(string? keyId, string algorithm, string messageType) => request =>
    {
        request.Set("kms:SigningAlgorithm", algorithm).Set("kms:MessageType", messageType);
        if (AliasIn(keyId) is { } alias)
        {
            request.Set("kms:RequestAlias", alias);
        }
    };

    /// <summary>Condition keys of a cryptographic request that names an algorithm other than an encryption algorithm:
    /// <paramref name="conditionKey"/> (<c>kms:MacAlgorithm</c>, <c>kms:KeyAgreementAlgorithm</c>, …) set to
    /// <paramref name="algorithm"/>, and <c>kms:RequestAlias</c>.</summary>
    public static Action<RequestContext> Cryptographic(string? keyId, string conditionKey, string algorithm) => request =>
    {
        request.Set(conditionKey, algorithm);
        if (AliasIn(keyId) is { } alias)
        {
            request.Set("kms:RequestAlias", alias);
        }
    };

    // "alias/name", or the alias part of an alias ARN.
    private static string? AliasIn(string? keyId) =>
        keyId is null ? null
        : keyId.StartsWith("alias/", StringComparison.Ordinal) ? keyId
        : keyId.StartsWith("arn:", StringComparison.Ordinal) && keyId.IndexOf(":alias/", StringComparison.Ordinal) is var i and >= 0 ? keyId[(i + 1)..]
        : null;

    private async ValueTask DemandFromGrantsAsync(
        CallContext call,
        string keyArn,
        GrantOperation operation,
        RequestContext request,
        IReadOnlyDictionary<string, string>? encryptionContext,
        AuthorizationResult policyResult,
        CancellationToken ct)
    {
        var keyGrants = await grants.ForKeyAsync(keyArn, ct);
        if (!GrantAuthorization.Allows(keyGrants, operation, request, encryptionContext, call.Principal.Policies))
        {
            throw Denied(policyResult, request);
        }
    }

    private static AccessDeniedException Denied(AuthorizationResult result, RequestContext request) =>
        new(result.AccessDeniedMessage(request));

    private static void Check(AuthorizationResult result, RequestContext request)
    {
        if (!result.IsAllowed)
        {
            throw new AccessDeniedException(result.AccessDeniedMessage(request));
        }
    }

    private RequestContext Request(CallContext call, string action, KmsKey? key, string? resourceArn = null, bool qualified = false)
    {
        var principalArn = call.Principal.Arn;
        var type = principalArn.EndsWith(":root", StringComparison.Ordinal) ? PrincipalType.Account
            : principalArn.Contains(":role/", StringComparison.Ordinal) ? PrincipalType.AssumedRole
            : PrincipalType.User;
        var request = new RequestContext
        {
            PrincipalArn = principalArn,
            PrincipalAccount = call.AccountId,
            PrincipalType = type,
            Username = type == PrincipalType.User ? principalArn[(principalArn.LastIndexOf('/') + 1)..] : null,
            Action = qualified ? action : ActionName(action),
            ResourceArn = key?.Arn ?? resourceArn,
        };

        var now = TimeNow();
        request
            .Set("aws:CurrentTime", now.CurrentTime)
            .Set("aws:EpochTime", now.EpochTime)
            .Set("aws:SecureTransport", call.SecureTransport ? "true" : "false")
            .Set("aws:RequestedRegion", call.Region);
        foreach (var (tagKey, tagValue) in call.Principal.Tags)
        {
            request.Set("aws:PrincipalTag/" + tagKey, tagValue);
        }

        if (call.SourceIp is not null)
        {
            request.Set("aws:SourceIp", call.SourceIp);
        }

        if (key is not null)
        {
            request
                .Set("kms:KeySpec", WireNames<KeySpec>.Name(key.KeySpec))
                .Set("kms:KeyUsage", WireNames<KeyUsageType>.Name(key.KeyUsage))
                .Set("kms:KeyOrigin", WireNames<OriginType>.Name(key.Origin));

            // A key without aliases has no kms:ResourceAliases key at all (so Null is true and ForAllValues holds).
            if (key.Aliases.Count > 0)
            {
                request.SetValues("kms:ResourceAliases", key.Aliases);
            }

            foreach (var (tagKey, tagValue) in key.Tags)
            {
                request.Set("aws:ResourceTag/" + tagKey, tagValue);
            }
        }

        return request;
    }

    private static string ActionName(string action)
    {
        if (ActionNames.TryGetValue(action, out var name))
        {
            return name;
        }

        name = "kms:" + action;
        if (ActionNames.Count < MaxCachedActions)
        {
            ActionNames.TryAdd(action, name);
        }

        return name;
    }

    /// <summary>The time condition keys of this second of the injected clock (which tests move, also backwards).</summary>
    private TimeConditions TimeNow()
    {
        var now = time.GetUtcNow();
        var second = now.ToUnixTimeSeconds();
        var current = Volatile.Read(ref _timeConditions);
        if (current is null || current.Second != second)
        {
            current = new TimeConditions(
                second,
                now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                second.ToString(CultureInfo.InvariantCulture));
            Volatile.Write(ref _timeConditions, current);
        }

        return current;
    }

    private sealed record TimeConditions(long Second, string CurrentTime, string EpochTime);
}
