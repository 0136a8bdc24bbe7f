using System.Security.Cryptography;
using System.Text.Json;
using KmsService.Core.Crypto;
using KmsService.Identity;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Admin;

/// <summary>The admin API's reads and writes of identities in the store. Every write commits with a published
/// <see cref="StoreChange.Identities"/> (other instances reload) and reloads this instance's <see cref="IdentityStore"/>
/// before it returns, so a caller made here can sign its next request at once.</summary>
internal sealed class IdentityAdminStore(
    KmsDbFactory dbFactory, IHsa hsa, IdentityStore identities, StoredIdentityLoader loader, ChangeFeed changes, TimeProvider time)
{
    /// <summary>IAM's limit of access keys per user.</summary>
    public const int MaxAccessKeysPerPrincipal = 2;

    // AKIA + 16 characters of the base32 alphabet, as AWS's long-term access key ids; secrets are 40 characters.
    private const string AccessKeyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    private const string SecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    public async Task<IReadOnlyList<AdminAccount>> ListAccountsAsync(CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        var stored = await db.IdentityAccounts.AsNoTracking().Select(a => a.AccountId).ToListAsync(ct);
        return [.. identities.Known.Accounts.Union(stored, StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(a => new AdminAccount(a, identities.IsDeclaredAccount(a) ? IdentitySource.Seed : IdentitySource.Api))];
    }

    public async Task CreateAccountAsync(string accountId, CancellationToken ct)
    {
        if (identities.IsDeclaredAccount(accountId))
        {
            throw AdminException.AlreadyExists($"Account {accountId} already exists (declared in the seed file).");
        }

        await WriteAsync(
            async db =>
            {
                if (await db.IdentityAccounts.AnyAsync(a => a.AccountId == accountId, ct))
                {
                    throw AdminException.AlreadyExists($"Account {accountId} already exists.");
                }

                db.IdentityAccounts.Add(new IdentityAccountRow { AccountId = accountId, CreatedAt = Now() });
            },
            () => AdminException.AlreadyExists($"Account {accountId} already exists."),
            ct);
    }

    public async Task<IReadOnlyList<AdminPrincipal>> ListPrincipalsAsync(string accountId, CancellationToken ct)
    {
        await EnsureAccountAsync(accountId, ct);
        await using var db = dbFactory.Create();
        var stored = await db.IdentityPrincipals.AsNoTracking().Where(p => p.AccountId == accountId).Select(p => p.Arn).ToListAsync(ct);
        var declared = identities.Known.Principals.Where(a => AdminArns.AccountOf(a) == accountId && identities.IsDeclaredPrincipal(a));
        return [.. declared.Union(stored, StringComparer.Ordinal).Order(StringComparer.Ordinal).Select(Describe)];
    }

    public async Task<AdminPrincipal> GetPrincipalAsync(PrincipalName name, CancellationToken ct)
    {
        if (identities.IsDeclaredPrincipal(name.Arn))
        {
            return Describe(name.Arn);
        }

        await using var db = dbFactory.Create();
        await EnsureStoredPrincipalAsync(db, name, ct);
        var tags = await db.IdentityPrincipalTags.AsNoTracking().Where(t => t.PrincipalArn == name.Arn).ToListAsync(ct);
        return new AdminPrincipal(name.Arn, name.AccountId, name.Type, name.Name, IdentitySource.Api, TagMap(tags));
    }

    public async Task<AdminPrincipal> CreatePrincipalAsync(PrincipalName name, IReadOnlyDictionary<string, string> tags, CancellationToken ct)
    {
        EnsureNotDeclared(name);
        await EnsureAccountAsync(name.AccountId, ct);
        await WriteAsync(
            async db =>
            {
                if (await db.IdentityPrincipals.AnyAsync(p => p.Arn == name.Arn, ct))
                {
                    throw AdminException.AlreadyExists($"Principal {name.Arn} already exists.");
                }

                db.IdentityPrincipals.Add(new IdentityPrincipalRow { Arn = name.Arn, AccountId = name.AccountId, CreatedAt = Now() });
                foreach (var (key, value) in tags)
                {
                    db.IdentityPrincipalTags.Add(new IdentityPrincipalTagRow { PrincipalArn = name.Arn, TagKey = key, TagValue = value });
                }
            },
            () => AdminException.AlreadyExists($"Principal {name.Arn} already exists."),
            ct);
        return new AdminPrincipal(name.Arn, name.AccountId, name.Type, name.Name, IdentitySource.Api, new Dictionary<string, string>(tags, StringComparer.Ordinal));
    }

    /// <summary>Deletes the principal with its access keys, policies and tags.</summary>
    public Task DeletePrincipalAsync(PrincipalName name, CancellationToken ct) => WriteAsync(
        async db =>
        {
            var row = await StoredPrincipalAsync(db, name, ct);
            db.IdentityPrincipals.Remove(row);
        },
        null,
        ct);

    public async Task<CreateAccessKeyResponse> CreateAccessKeyAsync(PrincipalName name, CancellationToken ct)
    {
        var accessKeyId = "AKIA" + RandomNumberGenerator.GetString(AccessKeyIdAlphabet, 16);
        var secret = RandomNumberGenerator.GetString(SecretAlphabet, 40);
        var created = Now();
        await WriteAsync(
            async db =>
            {
                await StoredPrincipalAsync(db, name, ct);
                if (await db.IdentityAccessKeys.CountAsync(k => k.PrincipalArn == name.Arn, ct) >= MaxAccessKeysPerPrincipal)
                {
                    throw AdminException.LimitExceeded(
                        $"Principal {name.Arn} already has {MaxAccessKeysPerPrincipal} access keys, IAM's limit: delete one first.");
                }

                db.IdentityAccessKeys.Add(new IdentityAccessKeyRow
                {
                    AccessKeyId = accessKeyId,
                    PrincipalArn = name.Arn,
                    WrappedSecret = hsa.WrapAccessKeySecret(accessKeyId, secret),
                    Status = AccessKeyStatus.Active,
                    CreatedAt = created,
                });
            },
            null,
            ct);
        return new CreateAccessKeyResponse(accessKeyId, secret, AccessKeyStatus.Active, new DateTimeOffset(created, TimeSpan.Zero));
    }

    public async Task<IReadOnlyList<AdminAccessKey>> ListAccessKeysAsync(PrincipalName name, CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        await EnsureStoredPrincipalAsync(db, name, ct);

        // INVARIANT: the secret column is never selected for a listing.
        var keys = await db.IdentityAccessKeys.AsNoTracking().Where(k => k.PrincipalArn == name.Arn)
            .Select(k => new { k.AccessKeyId, k.Status, k.CreatedAt }).ToListAsync(ct);
        return [.. keys.OrderBy(k => k.CreatedAt).ThenBy(k => k.AccessKeyId, StringComparer.Ordinal)
            .Select(k => new AdminAccessKey(k.AccessKeyId, k.Status, new DateTimeOffset(DateTime.SpecifyKind(k.CreatedAt, DateTimeKind.Utc))))];
    }

    public Task UpdateAccessKeyAsync(PrincipalName name, string accessKeyId, string status, CancellationToken ct) => WriteAsync(
        async db =>
        {
            var key = await StoredAccessKeyAsync(db, name, accessKeyId, ct);
            key.Status = status;
        },
        null,
        ct);

    public Task DeleteAccessKeyAsync(PrincipalName name, string accessKeyId, CancellationToken ct) => WriteAsync(
        async db => db.IdentityAccessKeys.Remove(await StoredAccessKeyAsync(db, name, accessKeyId, ct)),
        null,
        ct);

    public async Task<IReadOnlyList<string>> ListPoliciesAsync(PrincipalName name, CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        await EnsureStoredPrincipalAsync(db, name, ct);
        var names = await db.IdentityPolicies.AsNoTracking().Where(p => p.PrincipalArn == name.Arn).Select(p => p.PolicyName).ToListAsync(ct);
        return [.. names.Order(StringComparer.Ordinal)];
    }

    public async Task<GetPolicyResponse> GetPolicyAsync(PrincipalName name, string policyName, CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        await EnsureStoredPrincipalAsync(db, name, ct);
        var row = await db.IdentityPolicies.AsNoTracking().FirstOrDefaultAsync(p => p.PrincipalArn == name.Arn && p.PolicyName == policyName, ct)
            ?? throw AdminException.NoSuchEntity($"Principal {name.Arn} has no policy named {policyName}.");
        using var document = JsonDocument.Parse(row.Document);
        return new GetPolicyResponse(policyName, document.RootElement.Clone());
    }

    /// <summary>Creates or replaces a policy; <paramref name="document"/> has been parsed and validated.</summary>
    public Task PutPolicyAsync(PrincipalName name, string policyName, string document, CancellationToken ct) => WriteAsync(
        async db =>
        {
            await StoredPrincipalAsync(db, name, ct);
            var row = await db.IdentityPolicies.FirstOrDefaultAsync(p => p.PrincipalArn == name.Arn && p.PolicyName == policyName, ct);
            if (row is null)
            {
                db.IdentityPolicies.Add(new IdentityPolicyRow { PrincipalArn = name.Arn, PolicyName = policyName, Document = document });
            }
            else
            {
                row.Document = document;
            }
        },
        null,
        ct);

    public Task DeletePolicyAsync(PrincipalName name, string policyName, CancellationToken ct) => WriteAsync(
        async db =>
        {
            await StoredPrincipalAsync(db, name, ct);
            var row = await db.IdentityPolicies.FirstOrDefaultAsync(p => p.PrincipalArn == name.Arn && p.PolicyName == policyName, ct)
                ?? throw AdminException.NoSuchEntity($"Principal {name.Arn} has no policy named {policyName}.");
            db.IdentityPolicies.Remove(row);
        },
        null,
        ct);

    /// <summary>Adds or overwrites tags (IAM's TagUser); at most <see cref="AdminValidation.MaxTags"/> in all.</summary>
    public Task TagPrincipalAsync(PrincipalName name, IReadOnlyDictionary<string, string> tags, CancellationToken ct) => WriteAsync(
        async db =>
        {
            await StoredPrincipalAsync(db, name, ct);
            var existing = await db.IdentityPrincipalTags.Where(t => t.PrincipalArn == name.Arn).ToListAsync(ct);
            if (existing.Select(t => t.TagKey).Union(tags.Keys, StringComparer.Ordinal).Count() > AdminValidation.MaxTags)
            {
                throw AdminException.LimitExceeded($"A principal has at most {AdminValidation.MaxTags} tags.");
            }

            foreach (var (key, value) in tags)
            {
                if (existing.Find(t => t.TagKey == key) is { } row)
                {
                    row.TagValue = value;
                }
                else
                {
                    db.IdentityPrincipalTags.Add(new IdentityPrincipalTagRow { PrincipalArn = name.Arn, TagKey = key, TagValue = value });
                }
            }
        },
        null,
        ct);

    public Task UntagPrincipalAsync(PrincipalName name, string tagKey, CancellationToken ct) => WriteAsync(
        async db =>
        {
            await StoredPrincipalAsync(db, name, ct);
            var row = await db.IdentityPrincipalTags.FirstOrDefaultAsync(t => t.PrincipalArn == name.Arn && t.TagKey == tagKey, ct)
                ?? throw AdminException.NoSuchEntity($"Principal {name.Arn} has no tag {tagKey}.");
            db.IdentityPrincipalTags.Remove(row);
        },
        null,
        ct);

    /// <summary>Throws NoSuchEntity unless the account is declared or was made through the admin API.</summary>
    public async Task EnsureAccountAsync(string accountId, CancellationToken ct)
    {
        if (identities.IsDeclaredAccount(accountId))
        {
            return;
        }

        await using var db = dbFactory.Create();
        if (!await db.IdentityAccounts.AnyAsync(a => a.AccountId == accountId, ct))
        {
            throw AdminException.NoSuchEntity($"Account {accountId} does not exist: create it first (POST /_kms/admin/accounts).");
        }
    }

    private AdminPrincipal Describe(string arn)
    {
        var (type, name) = AdminArns.TypeAndName(arn);
        var tags = identities.TryGetPrincipal(arn, out var principal) ? principal.Tags : new Dictionary<string, string>();
        return new AdminPrincipal(arn, AdminArns.AccountOf(arn), type, name, identities.IsDeclaredPrincipal(arn) ? IdentitySource.Seed : IdentitySource.Api, tags);
    }

    private void EnsureNotDeclared(PrincipalName name)
    {
        if (identities.IsDeclaredPrincipal(name.Arn))
        {
            throw AdminException.DeclaredInSeed($"Principal {name.Arn}");
        }
    }

    private async Task EnsureStoredPrincipalAsync(KmsDbContext db, PrincipalName name, CancellationToken ct)
    {
        EnsureNotDeclared(name);
        if (!await db.IdentityPrincipals.AnyAsync(p => p.Arn == name.Arn, ct))
        {
            throw NoPrincipal(name);
        }
    }

    private async Task<IdentityPrincipalRow> StoredPrincipalAsync(KmsDbContext db, PrincipalName name, CancellationToken ct)
    {
        EnsureNotDeclared(name);
        return await db.IdentityPrincipals.FirstOrDefaultAsync(p => p.Arn == name.Arn, ct) ?? throw NoPrincipal(name);
    }

    private async Task<IdentityAccessKeyRow> StoredAccessKeyAsync(KmsDbContext db, PrincipalName name, string accessKeyId, CancellationToken ct)
    {
        if (identities.IsDeclaredAccessKey(accessKeyId))
        {
            throw AdminException.DeclaredInSeed($"Access key {accessKeyId}");
        }

        await StoredPrincipalAsync(db, name, ct);
        return await db.IdentityAccessKeys.FirstOrDefaultAsync(k => k.AccessKeyId == accessKeyId && k.PrincipalArn == name.Arn, ct)
            ?? throw AdminException.NoSuchEntity($"Principal {name.Arn} has no access key {accessKeyId}.");
    }

    private static AdminException NoPrincipal(PrincipalName name) =>
        AdminException.NoSuchEntity($"Principal {name.Arn} does not exist.");

    private static Dictionary<string, string> TagMap(IEnumerable<IdentityPrincipalTagRow> rows) =>
        rows.ToDictionary(t => t.TagKey, t => t.TagValue, StringComparer.Ordinal);

    private DateTime Now() => time.GetUtcNow().UtcDateTime;

    /// <summary>Runs <paramref name="change"/> in a transaction that also publishes the change to other instances, then
    /// reloads this instance's identities. A unique violation (a concurrent create) is <paramref name="conflict"/>.</summary>
    private async Task WriteAsync(Func<KmsDbContext, Task> change, Func<AdminException>? conflict, CancellationToken ct)
    {
        await using (var db = dbFactory.Create())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            await change(db);
            try
            {
                await db.SaveChangesAsync(ct);
            }
            catch (DbUpdateException) when (conflict is not null)
            {
                throw conflict();
            }

            await changes.PublishAsync(db, StoreChange.Identities, ct);
            await tx.CommitAsync(ct);
        }

        await loader.LoadAsync(ct);
    }
}
