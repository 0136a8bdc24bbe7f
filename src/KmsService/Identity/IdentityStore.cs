using System.Collections.Frozen;
using KmsService.Core.Policy;

namespace KmsService.Identity;

/// <summary>An IAM principal: its ARN, account, and identity policies (parsed once, when the seed file is read).</summary>
internal sealed record Principal(string Arn, string AccountId, IReadOnlyList<PolicyDocument> Policies)
{
    /// <summary>The principal's tags, for <c>aws:PrincipalTag/…</c> conditions.</summary>
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
}

/// <summary>An access key and the principal it signs for.</summary>
internal sealed record AccessKey(string AccessKeyId, string SecretAccessKey, Principal Principal)
{
    // Never print the secret.
    public override string ToString() => $"AccessKey {{ AccessKeyId = {AccessKeyId}, Principal = {Principal.Arn} }}";
}

/// <summary>The identities this service knows: accounts, principals and access keys from the seed file and, in
/// Development, the built-in account 000000000000 whose root has access key <c>test</c> / secret <c>test</c>.</summary>
internal sealed class IdentityStore
{
    public const string DevelopmentAccount = "000000000000";
    public const string DevelopmentAccessKeyId = "test";

    private readonly FrozenDictionary<string, AccessKey> _accessKeys;

    public IdentityStore(IEnumerable<AccessKey> accessKeys, Principal? unknownKeyPrincipal)
    {
        _accessKeys = accessKeys.ToFrozenDictionary(k => k.AccessKeyId, StringComparer.Ordinal);
        UnknownKeyPrincipal = unknownKeyPrincipal;
    }

    /// <summary>Where <c>Kms:AllowUnknownAccessKeys</c> is on, the principal an unknown access key acts as, unverified.</summary>
    public Principal? UnknownKeyPrincipal { get; }

    /// <summary>True when nobody could sign a request: no access key, and no unknown-key fallback.</summary>
    public bool IsEmpty => _accessKeys.Count == 0 && UnknownKeyPrincipal is null;

    public bool TryGet(string accessKeyId, out AccessKey accessKey) =>
        _accessKeys.TryGetValue(accessKeyId, out accessKey!);

    public static Principal DevelopmentRoot { get; } = new($"arn:aws:iam::{DevelopmentAccount}:root", DevelopmentAccount, []);
}
