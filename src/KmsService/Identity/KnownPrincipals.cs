using KmsService.Core.Errors;
using KmsService.Core.Policy;

namespace KmsService.Identity;

/// <summary>
/// Which IAM principals exist. AWS refuses a key policy that names a user or role that does not exist ("Policy
/// contains a statement with one or more invalid principals"). Here the accounts this service knows (the seed file's
/// and, in Development, 000000000000) have exactly the principals declared for them, so a user or role of a known
/// account must be declared; account roots always exist. Principals of accounts this service does not know cannot be
/// checked and are accepted: nobody can sign as them here anyway.
/// </summary>
internal sealed class KnownPrincipals
{
    public const string InvalidPrincipalsMessage = "Policy contains a statement with one or more invalid principals.";

    private readonly PrincipalSets? _fixed;
    private readonly IdentityStore? _identities;

    /// <summary>A fixed set of accounts and principals (the seed file's, while it is read).</summary>
    public KnownPrincipals(IEnumerable<string> accounts, IEnumerable<string> principalArns) =>
        _fixed = new PrincipalSets(accounts, principalArns);

    /// <summary>The accounts and principals of <paramref name="identities"/> as they are at each check, so that a
    /// principal made through the admin API can be named in a key policy at once.</summary>
    public KnownPrincipals(IdentityStore identities) => _identities = identities;

    private PrincipalSets Sets => _fixed ?? _identities!.Known;

    /// <summary>Throws MalformedPolicyDocumentException when <paramref name="policy"/> names a user or role of a known
    /// account that is not declared.</summary>
    public void EnsureExist(PolicyDocument policy)
    {
        foreach (var statement in policy.Statements)
        {
            foreach (var arn in statement.PrincipalArns)
            {
                if (!Exists(arn))
                {
                    throw new MalformedPolicyDocumentException(InvalidPrincipalsMessage);
                }
            }
        }
    }

    /// <summary>Whether a principal ARN of a well-formed shape names a principal that exists (or cannot be checked):
    /// <c>arn:PARTITION:iam::ACCOUNT:root</c> | <c>user/…</c> | <c>role/…</c>, or
    /// <c>arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION</c> (the role must exist) | <c>federated-user/NAME</c> (a
    /// session, not an IAM entity).</summary>
    public bool Exists(string arn)
    {
        var parts = arn.Split(':', 6);
        if (parts.Length != 6 || parts[5] == "root")
        {
            return true;
        }

        var account = parts[4];
        var sets = Sets;
        if (!sets.Accounts.Contains(account))
        {
            return true;
        }

        var resource = parts[5];
        if (parts[2] == "sts")
        {
            if (!resource.StartsWith("assumed-role/", StringComparison.Ordinal))
            {
                return true;
            }

            return sets.Roles.Contains(account + "/" + resource.Split('/')[1]);
        }

        return sets.Principals.Contains(arn);
    }
}

/// <summary>Accounts and principal ARNs that exist, and "ACCOUNT/ROLE-NAME" of every role (a session ARN names the role
/// without its path). Immutable.</summary>
internal sealed class PrincipalSets(IEnumerable<string> accounts, IEnumerable<string> principalArns)
{
    public HashSet<string> Accounts { get; } = new(accounts, StringComparer.Ordinal);

    public HashSet<string> Principals { get; } = new(principalArns, StringComparer.Ordinal);

    public HashSet<string> Roles { get; } = new(
        principalArns.Where(a => a.Contains(":role/", StringComparison.Ordinal))
            .Select(a => a.Split(':')[4] + "/" + a[(a.LastIndexOf('/') + 1)..]),
        StringComparer.Ordinal);
}
