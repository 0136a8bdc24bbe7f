using System.Globalization;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Core.Policy;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Authorizes every request as AWS KMS does (PARC): the key policy and the caller's identity policies are
/// evaluated with the request's condition keys; an explicit deny wins, the key policy must allow the caller or
/// delegate to the account's identity policies, and operations not tied to a key are decided by identity policies
/// alone. A denial is an AccessDeniedException in AWS's wording.</summary>
internal sealed class Authorizer(TimeProvider time)
{
    /// <summary>Demands <c>kms:<paramref name="action"/></c> on <paramref name="key"/>.</summary>
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

    /// <summary>The lockout safety check of PutKeyPolicy and CreateKey: would <paramref name="policy"/> still let the
    /// caller change the key policy?</summary>
    public bool AllowsPolicyChange(CallContext call, string keyArn, KmsKey? key, PolicyDocument policy)
    {
        var request = Request(call, "PutKeyPolicy", key, keyArn);
        return KmsAuthorization.Decide(request, policy, call.Principal.Policies).IsAllowed;
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

    // "alias/name", or the alias part of an alias ARN.
    private static string? AliasIn(string? keyId) =>
        keyId is null ? null
        : keyId.StartsWith("alias/", StringComparison.Ordinal) ? keyId
        : keyId.StartsWith("arn:", StringComparison.Ordinal) && keyId.IndexOf(":alias/", StringComparison.Ordinal) is var i and >= 0 ? keyId[(i + 1)..]
        : null;

    private static void Check(AuthorizationResult result, RequestContext request)
    {
        if (!result.IsAllowed)
        {
            throw new AccessDeniedException(result.AccessDeniedMessage(request));
        }
    }

    private RequestContext Request(CallContext call, string action, KmsKey? key, string? resourceArn = null)
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
            Action = "kms:" + action,
            ResourceArn = key?.Arn ?? resourceArn,
        };

        var now = time.GetUtcNow();
        request
            .Set("aws:CurrentTime", now.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture))
            .Set("aws:EpochTime", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture))
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
}
