using System.Collections.Frozen;
using KmsService.Core.Policy;

namespace KmsService.Identity;

/// <summary>An IAM principal: its ARN, account, and identity policies (parsed once, when the seed file or the store
/// is read).</summary>
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

/// <summary>Identities made through the admin API, as read from the store: accounts, principals (user and role ARNs)
/// and the active access keys with their unwrapped secrets.</summary>
internal sealed record StoredIdentities(IReadOnlyList<string> Accounts, IReadOnlyList<Principal> Principals, IReadOnlyList<AccessKey> AccessKeys)
{
    public static StoredIdentities Empty { get; } = new([], [], []);
}

/// <summary>The identities this service knows: accounts, principals and access keys from the seed file, in
/// Development the built-in account 000000000000 whose root has access key <c>test</c> / secret <c>test</c>, and those
/// made through the admin API (read from the store). The seed file wins: a stored principal or access key that the
/// seed file also declares is ignored.</summary>
/// <remarks>Lookups read one immutable snapshot (a frozen dictionary: the authenticator's hot path); a change swaps in
/// a new snapshot (<see cref="Replace"/>), so readers never lock.</remarks>
internal sealed class IdentityStore
{
    public const string DevelopmentAccount = "000000000000";
    public const string DevelopmentAccessKeyId = "test";

    private readonly IReadOnlyList<AccessKey> _declaredKeys;
    private readonly FrozenSet<string> _declaredAccounts;
    private readonly FrozenSet<string> _declaredPrincipals;
    private readonly FrozenSet<string> _declaredKeyIds;
    private Snapshot _current;

    public IdentityStore(IEnumerable<AccessKey> accessKeys, Principal? unknownKeyPrincipal)
        : this(accessKeys, unknownKeyPrincipal, [], [])
    {
    }

    /// <param name="accessKeys">The declared (seed and built-in) access keys.</param>
    /// <param name="unknownKeyPrincipal">Where <c>Kms:AllowUnknownAccessKeys</c> is on, who an unknown key acts as.</param>
    /// <param name="accounts">The declared accounts (seed file, and the development account in Development).</param>
    /// <param name="principalArns">The declared principals (seed file).</param>
    public IdentityStore(IEnumerable<AccessKey> accessKeys, Principal? unknownKeyPrincipal, IEnumerable<string> accounts, IEnumerable<string> principalArns)
    {
        _declaredKeys = [.. accessKeys];
        _declaredKeyIds = _declaredKeys.Select(k => k.AccessKeyId).ToFrozenSet(StringComparer.Ordinal);
        _declaredAccounts = accounts.Concat(_declaredKeys.Select(k => k.Principal.AccountId)).ToFrozenSet(StringComparer.Ordinal);
        _declaredPrincipals = principalArns.Concat(_declaredKeys.Select(k => k.Principal.Arn)).ToFrozenSet(StringComparer.Ordinal);
        UnknownKeyPrincipal = unknownKeyPrincipal;
        _current = Build(StoredIdentities.Empty);
    }

    /// <summary>Where <c>Kms:AllowUnknownAccessKeys</c> is on, the principal an unknown access key acts as, unverified.</summary>
    public Principal? UnknownKeyPrincipal { get; }

    /// <summary>True when nobody could sign a request: no access key, and no unknown-key fallback.</summary>
    public bool IsEmpty => Volatile.Read(ref _current).AccessKeys.Count == 0 && UnknownKeyPrincipal is null;

    /// <summary>The accounts and principals that exist now (for key policies that name principals).</summary>
    internal PrincipalSets Known => Volatile.Read(ref _current).Known;

    public bool TryGet(string accessKeyId, out AccessKey accessKey) =>
        Volatile.Read(ref _current).AccessKeys.TryGetValue(accessKeyId, out accessKey!);

    /// <summary>The principal with this ARN if it has an access key or was made through the admin API (the admin
    /// API's caller is one of these).</summary>
    public bool TryGetPrincipal(string arn, out Principal principal) =>
        Volatile.Read(ref _current).Principals.TryGetValue(arn, out principal!);

    /// <summary>Whether the seed file (or the built-in development identity) declares this account.</summary>
    public bool IsDeclaredAccount(string accountId) => _declaredAccounts.Contains(accountId);

    /// <summary>Whether the seed file (or the built-in development identity) declares this principal: the admin API
    /// may not change it.</summary>
    public bool IsDeclaredPrincipal(string arn) => _declaredPrincipals.Contains(arn);

    /// <summary>Whether the seed file (or the built-in development identity) declares this access key id.</summary>
    public bool IsDeclaredAccessKey(string accessKeyId) => _declaredKeyIds.Contains(accessKeyId);

    /// <summary>Swaps in the identities read from the store (the declared ones stay and win).</summary>
    public void Replace(StoredIdentities stored) => Volatile.Write(ref _current, Build(stored));

    public static Principal DevelopmentRoot { get; } = new($"arn:aws:iam::{DevelopmentAccount}:root", DevelopmentAccount, []);

    private Snapshot Build(StoredIdentities stored)
    {
        var keys = new Dictionary<string, AccessKey>(StringComparer.Ordinal);
        var principals = new Dictionary<string, Principal>(StringComparer.Ordinal);
        foreach (var key in _declaredKeys)
        {
            keys[key.AccessKeyId] = key;
            principals.TryAdd(key.Principal.Arn, key.Principal);
        }

        // INVARIANT: the seed wins: nothing stored replaces a declared principal or access key.
        foreach (var principal in stored.Principals)
        {
            if (!_declaredPrincipals.Contains(principal.Arn))
            {
                principals.TryAdd(principal.Arn, principal);
            }
        }

        foreach (var key in stored.AccessKeys)
        {
            if (!_declaredPrincipals.Contains(key.Principal.Arn) && !_declaredKeyIds.Contains(key.AccessKeyId))
            {
                keys.TryAdd(key.AccessKeyId, key);
            }
        }

        var known = new PrincipalSets(
            _declaredAccounts.Concat(stored.Accounts),
            _declaredPrincipals.Concat(principals.Keys));
        return new Snapshot(keys.ToFrozenDictionary(StringComparer.Ordinal), principals.ToFrozenDictionary(StringComparer.Ordinal), known);
    }

    private sealed record Snapshot(
        FrozenDictionary<string, AccessKey> AccessKeys,
        FrozenDictionary<string, Principal> Principals,
        PrincipalSets Known);
}
