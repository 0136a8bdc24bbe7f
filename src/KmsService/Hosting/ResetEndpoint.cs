using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Identity;
using KmsService.Lifecycle;
using KmsService.Protocol;
using KmsService.Seed;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Hosting;

/// <summary>
/// <c>POST /_kms/reset</c> (only with <c>Kms:EnableResetEndpoint=true</c>): wipes the keys, backing keys, aliases, tags
/// and grants of every account in one transaction, then re-applies the seed file, so a test suite can start each test
/// from a clean state without a restart. Identities come from the seed file and stay.
/// </summary>
/// <remarks>
/// The request is SigV4-signed like a KMS call (signing name <c>kms</c>) by an access key this service knows, of a
/// principal in <c>Kms:ResetPrincipals</c> (in Development, by default, the development account's root). An unknown
/// access key is refused even where <c>Kms:AllowUnknownAccessKeys</c> lets it call KMS, since that mode checks no
/// signature. A browser cannot send it on a web page's behalf: a form post carries no Authorization header, and a
/// request that says it comes from a page (<c>Origin</c>, <c>Sec-Fetch-Site</c>) is refused before anything else.
/// </remarks>
internal sealed class ResetEndpoint(
    KmsDbFactory dbFactory,
    KeyStore keys,
    SeedApplier seeder,
    SeedDocument seed,
    ChangeFeed changes,
    GrantStore grants,
    KeyUsageTracker keyUsage,
    Authenticator authenticator,
    IdentityStore identities,
    ResetPrincipals allowed,
    IAuditSink audit,
    KmsOptions options,
    TimeProvider time,
    ILogger<ResetEndpoint> logger)
{
    public const string Path = "/_kms/reset";

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = PublicRandom.NewGuid().ToString("D");
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var ct = http.RequestAborted;
        var time0 = time.GetUtcNow();
        CallContext? call = null;
        try
        {
            RefuseBrowsers(http.Request);
            using var body = await KmsEndpoint.ReadBodyAsync(http.Request, ct);
            call = authenticator.Authenticate(http, body.WrittenMemory, "kms", requestId);

            // INVARIANT: a known access key is always verified, so only a verified caller passes this check.
            if (!identities.TryGet(call.AccessKeyId, out var accessKey) || !allowed.Contains(accessKey.Principal.Arn))
            {
                throw new AccessDeniedException(
                    $"User: {call.PrincipalArn} is not authorized to reset this service (POST {Path}): only the principals of Kms:ResetPrincipals may.");
            }

            // The wipe and its ResetStore record commit together.
            var record = ServiceEvents.ResetStore(time.GetUtcNow(), call);
            var inTransaction = AuditInTransaction.For(audit, record);
            await ResetAsync(inTransaction, ct);
            await AuditInTransaction.AppendIfNotCommittedAsync(audit, inTransaction, record, ct);
            ResetLog.Reset(logger, requestId, call.PrincipalArn);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = KmsEndpoint.ContentType;
            await http.Response.WriteAsync("{}", ct);
        }
        catch (KmsException e)
        {
            // A refused reset is recorded as any refused call, and fails closed the same way: when its record cannot be
            // written, the answer is the audit store's error.
            var message = e.HasMessage ? e.Message : null;
            var refused = ServiceEvents.RefusedReset(
                time0, requestId, options.DefaultRegion, call, http.Connection.RemoteIpAddress?.ToString(),
                UserAgentOf(http), e.ErrorCode, message) with
            {
                NamedKey = call is null && authenticator.KnownKeyNamedBy(http.Request) is { } named
                    ? (named.AccessKeyId, named.Principal.AccountId)
                    : null,
            };
            try
            {
                await audit.AppendAsync(refused, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (KmsException auditFailed)
            {
                await KmsEndpoint.WriteErrorAsync(http, auditFailed.HttpStatus, auditFailed.ErrorCode, auditFailed.HasMessage ? auditFailed.Message : null);
                return;
            }
#pragma warning disable CA1031 // Whatever else failed, the refusal is not answered without its record.
            catch (Exception auditFailed)
#pragma warning restore CA1031
            {
                await KmsEndpoint.WriteInternalErrorAsync(http, logger, requestId, auditFailed);
                return;
            }

            await KmsEndpoint.WriteErrorAsync(http, e.HttpStatus, e.ErrorCode, message);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            await KmsEndpoint.WriteInternalErrorAsync(http, logger, requestId, e);
        }
    }

    /// <summary>Wipes every key and what hangs off it, then re-applies the seed file.</summary>
    public async Task ResetAsync(CancellationToken ct) => await ResetAsync(null, ct);

    /// <summary>As <see cref="ResetAsync(CancellationToken)"/>, with the record of the reset committed in the wipe's
    /// transaction. The audit trail itself is never wiped.</summary>
    public async Task ResetAsync(AuditInTransaction? audit, CancellationToken ct)
    {
        await using (var db = dbFactory.Create())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);

            // INVARIANT: every table that hangs off a key is emptied here, children first.
            await db.Aliases.ExecuteDeleteAsync(ct);
            await db.Tags.ExecuteDeleteAsync(ct);
            await db.Grants.ExecuteDeleteAsync(ct);
            await db.KeyLastUsage.ExecuteDeleteAsync(ct);
            await db.BackingKeys.ExecuteDeleteAsync(ct);
            await db.Keys.ExecuteDeleteAsync(ct);
            await changes.PublishAsync(db, StoreChange.All, ct);
            await AuditInTransaction.CommitAsync(tx, db, audit, ct);
        }

        keys.DropCaches();
        grants.DropCaches();
        keyUsage.Clear();
        await seeder.ApplyAsync(seed, ct);
    }

    // What the client says it is, bounded as the endpoint bounds it for an unauthenticated call.
    private static string UserAgentOf(HttpContext http)
    {
        var agent = http.Request.Headers.UserAgent.ToString();
        return agent.Length <= 256 ? agent : agent[..256];
    }

    // Browsers name the page a request comes from; SDKs and test suites do not (Fetch standard, "Origin" and
    // "Sec-Fetch-Site"). A cross-site form post also has no Authorization header, which authentication refuses.
    private static void RefuseBrowsers(HttpRequest request)
    {
        if (request.Headers.Origin.Count > 0
            || request.Headers["Sec-Fetch-Site"] is { Count: > 0 } site && site.ToString() is not ("none" or "same-origin"))
        {
            throw new AccessDeniedException($"POST {Path} is not accepted from a web page.");
        }
    }
}

/// <summary>Who may call <c>POST /_kms/reset</c>: <c>Kms:ResetPrincipals</c>, else in Development the development
/// account's root.</summary>
internal sealed class ResetPrincipals(IEnumerable<string> arns)
{
    private readonly HashSet<string> _arns = new(arns, StringComparer.Ordinal);

    public bool IsEmpty => _arns.Count == 0;

    public bool Contains(string principalArn) => _arns.Contains(principalArn);

    /// <summary>The configured principals; in Development the development root when none are configured.</summary>
    /// <exception cref="StartupException">The endpoint is enabled outside Development without principals.</exception>
    public static ResetPrincipals From(KmsOptions options, bool isDevelopment)
    {
        var configured = options.ResetPrincipals.Where(a => !string.IsNullOrWhiteSpace(a)).ToList();
        if (configured.Count > 0)
        {
            return new ResetPrincipals(configured);
        }

        if (options.EnableResetEndpoint && !isDevelopment)
        {
            throw new StartupException(
                "Kms:EnableResetEndpoint is true outside Development, where it wipes every account's keys: name who may reset in Kms:ResetPrincipals (principal ARNs of the seed file), or turn it off.");
        }

        return new ResetPrincipals(isDevelopment ? [IdentityStore.DevelopmentRoot.Arn] : []);
    }
}

/// <summary>Log lines of the reset endpoint.</summary>
internal static partial class ResetLog
{
    [LoggerMessage(EventId = EventIds.StoreReset, Level = LogLevel.Warning, Message = "Request {RequestId}: {Principal} reset the store (every key of every account deleted, seed re-applied)")]
    public static partial void Reset(ILogger logger, string requestId, string principal);
}
