using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmsService.Admin;

/// <summary>Where an identity comes from: the seed file (read-only here), the built-in development identity, or the
/// admin API.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<IdentitySource>))]
internal enum IdentitySource
{
    [JsonStringEnumMemberName("seed")]
    Seed,

    [JsonStringEnumMemberName("api")]
    Api,
}

/// <summary>An account.</summary>
internal sealed record AdminAccount(string AccountId, IdentitySource Source);

/// <summary>GET /_kms/admin/accounts.</summary>
internal sealed record ListAccountsResponse(IReadOnlyList<AdminAccount> Accounts);

/// <summary>POST /_kms/admin/accounts.</summary>
internal sealed record CreateAccountRequest(string? AccountId);

/// <summary>A principal (IAM user or role, or a seed-declared root).</summary>
internal sealed record AdminPrincipal(string Arn, string AccountId, string Type, string Name, IdentitySource Source, IReadOnlyDictionary<string, string> Tags);

/// <summary>GET /_kms/admin/accounts/{accountId}/principals.</summary>
internal sealed record ListPrincipalsResponse(IReadOnlyList<AdminPrincipal> Principals);

/// <summary>POST /_kms/admin/accounts/{accountId}/principals: <c>type</c> is <c>user</c> or <c>role</c>.</summary>
internal sealed record CreatePrincipalRequest(string? Type, string? Name, Dictionary<string, string>? Tags = null);

/// <summary>An access key without its secret.</summary>
internal sealed record AdminAccessKey(string AccessKeyId, string Status, DateTimeOffset CreateDate);

/// <summary>The answer to CreateAccessKey: the only time the secret is ever shown.</summary>
internal sealed record CreateAccessKeyResponse(string AccessKeyId, string SecretAccessKey, string Status, DateTimeOffset CreateDate)
{
    // Never print the secret.
    public override string ToString() => $"CreateAccessKeyResponse {{ AccessKeyId = {AccessKeyId} }}";
}

/// <summary>GET …/access-keys.</summary>
internal sealed record ListAccessKeysResponse(IReadOnlyList<AdminAccessKey> AccessKeys);

/// <summary>PATCH …/access-keys/{accessKeyId}: <c>Active</c> or <c>Inactive</c>.</summary>
internal sealed record UpdateAccessKeyRequest(string? Status);

/// <summary>GET …/policies.</summary>
internal sealed record ListPoliciesResponse(IReadOnlyList<string> PolicyNames);

/// <summary>GET …/policies/{policyName}.</summary>
internal sealed record GetPolicyResponse(string PolicyName, JsonElement PolicyDocument);

/// <summary>GET …/tags, and the body of POST …/tags.</summary>
internal sealed record TagsBody(Dictionary<string, string>? Tags);

/// <summary>GET /_kms/admin/root-key: the key-check value of the root key the HSA holds (an HMAC of a fixed label
/// under it: identifies the key, reveals nothing of it) and the value the store recorded (<c>RootKeyCheck</c>).</summary>
internal sealed record RootKeyStatusResponse(string KeyCheckValue, string? StoreKeyCheckValue, bool MatchesStore);

/// <summary>POST /_kms/admin/audit/verify: the result of the verifier <c>audit verify</c> runs.</summary>
internal sealed record AuditVerificationResponse(bool Valid, long Records, int Digests, long? FirstBadSequence, long PrunedThrough, string Message);

/// <summary>The error body of every admin answer that is not a success.</summary>
internal sealed record AdminErrorBody(
    [property: JsonPropertyName("__type")] string Type,
    [property: JsonPropertyName("message")] string Message);
