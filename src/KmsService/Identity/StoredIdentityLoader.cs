using System.Security.Cryptography;
using System.Threading.Channels;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Policy;
using KmsService.Hosting;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Identity;

/// <summary>Reads the identities made through the admin API from the store, unwraps their access-key secrets in the
/// HSA and swaps them into the <see cref="IdentityStore"/>. Loads at start-up, after each admin write on this instance
/// (before the write is answered), and in the background whenever the change feed says another instance changed them
/// (<see cref="RequestReload"/>), or may have (a reconnect).</summary>
internal sealed partial class StoredIdentityLoader(
    KmsDbFactory dbFactory, IHsa hsa, IdentityStore identities, ILogger<StoredIdentityLoader> logger, StoreOutage? outage = null)
    : BackgroundService
{
    // Delay before a failed background load is tried again (the store may be out; the old identities keep serving).
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    // Loads run one at a time, so an older read never replaces a newer one.
    private readonly SemaphoreSlim _loading = new(1, 1);
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a background load (cheap, never blocks: requests made while one is pending coalesce).</summary>
    public void RequestReload() => _requests.Writer.TryWrite(true);

    /// <summary>Reads the stored identities and swaps them in.</summary>
    public async Task LoadAsync(CancellationToken ct)
    {
        await _loading.WaitAsync(ct);
        try
        {
            await using var db = dbFactory.Create();
            identities.Replace(await ReadAsync(db, ct));
        }
        finally
        {
            _loading.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await foreach (var _ in _requests.Reader.ReadAllAsync(stoppingToken))
        {
            while (true)
            {
                try
                {
                    await LoadAsync(stoppingToken);
                    break;
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    // A store outage is logged once by StoreOutage (which this begins); anything else is this load's.
                    if (outage?.Notice(e) != true)
                    {
                        LogReloadFailed(logger, e.GetType().Name, e.Message);
                    }

                    await Task.Delay(RetryDelay, stoppingToken);
                }
            }
        }
    }

    private async Task<StoredIdentities> ReadAsync(KmsDbContext db, CancellationToken ct)
    {
        var accounts = await db.IdentityAccounts.AsNoTracking().Select(a => a.AccountId).ToListAsync(ct);
        var principalRows = await db.IdentityPrincipals.AsNoTracking().ToListAsync(ct);
        var policies = (await db.IdentityPolicies.AsNoTracking().ToListAsync(ct)).ToLookup(p => p.PrincipalArn, StringComparer.Ordinal);
        var tags = (await db.IdentityPrincipalTags.AsNoTracking().ToListAsync(ct)).ToLookup(t => t.PrincipalArn, StringComparer.Ordinal);
        var keys = (await db.IdentityAccessKeys.AsNoTracking().Where(k => k.Status == AccessKeyStatus.Active).ToListAsync(ct))
            .ToLookup(k => k.PrincipalArn, StringComparer.Ordinal);

        var principals = new List<Principal>(principalRows.Count);
        var accessKeys = new List<AccessKey>();
        foreach (var row in principalRows)
        {
            List<PolicyDocument> documents;
            try
            {
                documents = [.. policies[row.Arn].OrderBy(p => p.PolicyName, StringComparer.Ordinal)
                    .Select(p => PolicyDocument.Parse(p.Document, PolicyKind.IdentityPolicy))];
            }
            catch (MalformedPolicyDocumentException e)
            {
                // INVARIANT: fail closed. A policy that no longer parses might have held a Deny: its principal gets no
                // access key rather than fewer restrictions.
                LogPrincipalSkipped(logger, row.Arn, e.Message);
                continue;
            }

            var principal = new Principal(row.Arn, row.AccountId, documents)
            {
                Tags = tags[row.Arn].ToDictionary(t => t.TagKey, t => t.TagValue, StringComparer.Ordinal),
            };
            principals.Add(principal);
            foreach (var key in keys[row.Arn])
            {
                try
                {
                    accessKeys.Add(new AccessKey(key.AccessKeyId, hsa.UnwrapAccessKeySecret(key.AccessKeyId, key.WrappedSecret), principal));
                }
                catch (CryptographicException)
                {
                    // Altered, moved to another key id, or wrapped under another root key: it authenticates nothing.
                    LogAccessKeySkipped(logger, key.AccessKeyId, row.Arn);
                }
            }
        }

        return new StoredIdentities(accounts, principals, accessKeys);
    }

    [LoggerMessage(EventId = EventIds.IdentityReloadFailed, Level = LogLevel.Warning, Message = "Could not reload the identities made through the admin API ({ErrorType}: {Reason}); the previous ones keep serving, retrying")]
    private static partial void LogReloadFailed(ILogger logger, string errorType, string reason);

    [LoggerMessage(EventId = EventIds.IdentityPrincipalSkipped, Level = LogLevel.Error, Message = "Principal {PrincipalArn} in the store has an identity policy that does not parse ({Reason}); its access keys are not loaded")]
    private static partial void LogPrincipalSkipped(ILogger logger, string principalArn, string reason);

    [LoggerMessage(EventId = EventIds.IdentityAccessKeySkipped, Level = LogLevel.Error, Message = "Access key {AccessKeyId} of {PrincipalArn} does not unwrap under the root key (altered or moved in the store); it is not loaded")]
    private static partial void LogAccessKeySkipped(ILogger logger, string accessKeyId, string principalArn);
}

/// <summary>IAM's StatusType of an access key.</summary>
internal static class AccessKeyStatus
{
    public const string Active = "Active";
    public const string Inactive = "Inactive";
}
