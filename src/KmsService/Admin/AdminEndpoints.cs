using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Policy;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Operations;
using KmsService.Protocol;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace KmsService.Admin;

/// <summary>
/// The admin REST API under <c>/_kms/admin/…</c> (JSON): accounts, principals, access keys, identity policies and
/// principal tags, the root key's status and the audit verification. Every call is SigV4-signed with the signing name
/// <c>kmsadmin</c> by an access key this service knows (an unknown key is refused even where
/// <c>Kms:AllowUnknownAccessKeys</c> lets it call KMS, since that mode checks no signature), and authorized like IAM:
/// the caller's identity policies must allow <c>kmsadmin:ACTION</c> on the resource (the principal's ARN, or the
/// account root's ARN for account-wide actions, or <c>*</c> for service-wide ones); an account's root may do anything
/// in its own account, and in Development the development root may also take the service-wide actions. Every call is
/// audited with eventSource <c>iam.amazonaws.com</c> (no request parameters: one of them is a secret).
/// </summary>
internal sealed partial class AdminEndpoints(
    Authenticator authenticator,
    IdentityStore identities,
    Authorizer authorizer,
    IdentityAdminStore store,
    IHsa hsa,
    KmsDbFactory dbFactory,
    AuditVerifier verifier,
    IAuditSink audit,
    TimeProvider time,
    KmsOptions options,
    IHostEnvironment environment,
    ILogger<AdminEndpoints> logger)
{
    public const string Prefix = "/_kms/admin";

    /// <summary>The SigV4 signing name (the service of the credential scope) of admin calls.</summary>
    public const string SigningName = "kmsadmin";

    /// <summary>The prefix of admin actions in policies.</summary>
    public const string ActionPrefix = "kmsadmin:";

    /// <summary>CloudTrail's eventSource of IAM calls, which the admin calls are the equivalent of.</summary>
    public const string EventSource = "iam.amazonaws.com";

    private const string JsonContentType = "application/json";
    private const string Tag = "Admin";
    private const string Principal = "/accounts/{accountId}/principals/{type}/{name}";

    // Relaxed escaping: a secret's '+' reads as '+', not \u002B (the answer is application/json, never HTML).
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private IdentityAdminStore Store => store;

    /// <summary>Every admin action, for policies and for the tests that check the OpenAPI document.</summary>
    public static IReadOnlyList<string> Actions { get; } =
    [
        "ListAccounts", "CreateAccount", "ListPrincipals", "CreatePrincipal", "GetPrincipal", "DeletePrincipal",
        "ListAccessKeys", "CreateAccessKey", "UpdateAccessKey", "DeleteAccessKey", "ListPrincipalPolicies",
        "GetPrincipalPolicy", "PutPrincipalPolicy", "DeletePrincipalPolicy", "ListPrincipalTags", "TagPrincipal",
        "UntagPrincipal", "GetRootKeyStatus", "VerifyAuditTrail",
    ];

    /// <summary>Maps the admin routes, described for the OpenAPI document.</summary>
    public static void Map(WebApplication app)
    {
        var admin = app.Services.GetRequiredService<AdminEndpoints>();
        var store = admin.Store;
        var group = app.MapGroup(Prefix).WithTags(Tag);

        group.MapGet("/accounts", Handler(http => admin.RunAsync(
                http, "ListAccounts", null, async (_, ct) => Ok(new ListAccountsResponse(await store.ListAccountsAsync(ct))))))
            .Describe("ListAccounts", "Lists the accounts: those the seed file declares and those made here.")
            .Produces<ListAccountsResponse>();

        group.MapPost("/accounts", Handler(http => admin.RunAsync(http, "CreateAccount", null, async (call, ct) =>
            {
                var account = AdminValidation.AccountId(call.Read<CreateAccountRequest>().AccountId);
                await store.CreateAccountAsync(account, ct);
                return new AdminResult(StatusCodes.Status201Created, new AdminAccount(account, IdentitySource.Api));
            })))
            .Describe("CreateAccount", "Creates an account (12-digit id). Its root exists at once; give it users or roles.")
            .Body<CreateAccountRequest>()
            .Produces<AdminAccount>(StatusCodes.Status201Created);

        group.MapGet("/accounts/{accountId}/principals", (HttpContext http, string accountId) => admin.RunAsync(
                http, "ListPrincipals", AccountResource(accountId), async (_, ct) => Ok(new ListPrincipalsResponse(await store.ListPrincipalsAsync(accountId, ct)))))
            .Describe("ListPrincipals", "Lists an account's principals (seed-declared ones are read-only here).")
            .Produces<ListPrincipalsResponse>();

        group.MapPost("/accounts/{accountId}/principals", (HttpContext http, string accountId) =>
            {
                CreatePrincipalRequest? body = null;
                return admin.RunAsync(
                    http,
                    "CreatePrincipal",
                    call =>
                    {
                        body = call.Read<CreatePrincipalRequest>();
                        return AdminValidation.Principal(accountId, body.Type, body.Name).Arn;
                    },
                    async (_, ct) =>
                    {
                        var name = AdminValidation.Principal(accountId, body!.Type, body.Name);
                        var created = await store.CreatePrincipalAsync(name, AdminValidation.Tags(body.Tags), ct);
                        return new AdminResult(StatusCodes.Status201Created, created);
                    });
            })
            .Describe("CreatePrincipal", "Creates an IAM user or role (type 'user' or 'role') with optional tags.")
            .Body<CreatePrincipalRequest>()
            .Produces<AdminPrincipal>(StatusCodes.Status201Created);

        group.MapGet(Principal, (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "GetPrincipal", accountId, type, name, async (p, _, ct) => Ok(await store.GetPrincipalAsync(p, ct))))
            .Describe("GetPrincipal", "Describes a principal and its tags.")
            .Produces<AdminPrincipal>();

        group.MapDelete(Principal, (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "DeletePrincipal", accountId, type, name, async (p, _, ct) =>
                {
                    await store.DeletePrincipalAsync(p, ct);
                    return AdminResult.NoContent;
                }))
            .Describe("DeletePrincipal", "Deletes a principal made here, with its access keys, policies and tags.")
            .Produces(StatusCodes.Status204NoContent);

        group.MapGet(Principal + "/access-keys", (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "ListAccessKeys", accountId, type, name, async (p, _, ct) => Ok(new ListAccessKeysResponse(await store.ListAccessKeysAsync(p, ct)))))
            .Describe("ListAccessKeys", "Lists a principal's access keys, without their secrets.")
            .Produces<ListAccessKeysResponse>();

        group.MapPost(Principal + "/access-keys", (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "CreateAccessKey", accountId, type, name, async (p, _, ct) =>
                    new AdminResult(StatusCodes.Status201Created, await store.CreateAccessKeyAsync(p, ct))))
            .Describe("CreateAccessKey", "Creates an access key (at most 2 a principal). The SecretAccessKey is in this answer only: it is never shown again.")
            .Produces<CreateAccessKeyResponse>(StatusCodes.Status201Created);

        group.MapPatch(Principal + "/access-keys/{accessKeyId}", (HttpContext http, string accountId, string type, string name, string accessKeyId) => admin.OnPrincipalAsync(
                http, "UpdateAccessKey", accountId, type, name, async (p, call, ct) =>
                {
                    var status = AdminValidation.AccessKeyStatus(call.Read<UpdateAccessKeyRequest>().Status);
                    await store.UpdateAccessKeyAsync(p, AdminValidation.AccessKeyId(accessKeyId), status, ct);
                    return AdminResult.NoContent;
                }))
            .Describe("UpdateAccessKey", "Activates or deactivates an access key ({\"status\": \"Active\" | \"Inactive\"}); an inactive key authenticates nothing.")
            .Body<UpdateAccessKeyRequest>()
            .Produces(StatusCodes.Status204NoContent);

        group.MapDelete(Principal + "/access-keys/{accessKeyId}", (HttpContext http, string accountId, string type, string name, string accessKeyId) => admin.OnPrincipalAsync(
                http, "DeleteAccessKey", accountId, type, name, async (p, _, ct) =>
                {
                    await store.DeleteAccessKeyAsync(p, AdminValidation.AccessKeyId(accessKeyId), ct);
                    return AdminResult.NoContent;
                }))
            .Describe("DeleteAccessKey", "Deletes an access key: its next request fails as an unknown key's does.")
            .Produces(StatusCodes.Status204NoContent);

        group.MapGet(Principal + "/policies", (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "ListPrincipalPolicies", accountId, type, name, async (p, _, ct) => Ok(new ListPoliciesResponse(await store.ListPoliciesAsync(p, ct)))))
            .Describe("ListPrincipalPolicies", "Lists the names of a principal's identity policies.")
            .Produces<ListPoliciesResponse>();

        group.MapGet(Principal + "/policies/{policyName}", (HttpContext http, string accountId, string type, string name, string policyName) => admin.OnPrincipalAsync(
                http, "GetPrincipalPolicy", accountId, type, name, async (p, _, ct) => Ok(await store.GetPolicyAsync(p, AdminValidation.PolicyName(policyName), ct))))
            .Describe("GetPrincipalPolicy", "Returns an identity policy document.")
            .Produces<GetPolicyResponse>();

        group.MapPut(Principal + "/policies/{policyName}", (HttpContext http, string accountId, string type, string name, string policyName) => admin.OnPrincipalAsync(
                http, "PutPrincipalPolicy", accountId, type, name, async (p, call, ct) =>
                {
                    var policy = AdminValidation.PolicyName(policyName);
                    var document = call.Text();

                    // The parser that reads key policies and seed identity policies: MalformedPolicyDocumentException
                    // with the reason.
                    PolicyDocument.Parse(document, PolicyKind.IdentityPolicy);
                    await store.PutPolicyAsync(p, policy, document, ct);
                    return AdminResult.NoContent;
                }))
            .Describe("PutPrincipalPolicy", "Creates or replaces an identity policy: the body is the policy document (IAM JSON policy language, actions such as kms:Encrypt or kmsadmin:*).")
            .Body<JsonElement>()
            .Produces(StatusCodes.Status204NoContent);

        group.MapDelete(Principal + "/policies/{policyName}", (HttpContext http, string accountId, string type, string name, string policyName) => admin.OnPrincipalAsync(
                http, "DeletePrincipalPolicy", accountId, type, name, async (p, _, ct) =>
                {
                    await store.DeletePolicyAsync(p, AdminValidation.PolicyName(policyName), ct);
                    return AdminResult.NoContent;
                }))
            .Describe("DeletePrincipalPolicy", "Deletes an identity policy.")
            .Produces(StatusCodes.Status204NoContent);

        group.MapGet(Principal + "/tags", (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "ListPrincipalTags", accountId, type, name, async (p, _, ct) => Ok(new TagsBody(new Dictionary<string, string>((await store.GetPrincipalAsync(p, ct)).Tags, StringComparer.Ordinal)))))
            .Describe("ListPrincipalTags", "Returns a principal's tags (aws:PrincipalTag/… in policy conditions).")
            .Produces<TagsBody>();

        group.MapPost(Principal + "/tags", (HttpContext http, string accountId, string type, string name) => admin.OnPrincipalAsync(
                http, "TagPrincipal", accountId, type, name, async (p, call, ct) =>
                {
                    await store.TagPrincipalAsync(p, AdminValidation.Tags(call.Read<TagsBody>().Tags, required: true), ct);
                    return AdminResult.NoContent;
                }))
            .Describe("TagPrincipal", "Adds tags to a principal or overwrites their values.")
            .Body<TagsBody>()
            .Produces(StatusCodes.Status204NoContent);

        group.MapDelete(Principal + "/tags/{tagKey}", (HttpContext http, string accountId, string type, string name, string tagKey) => admin.OnPrincipalAsync(
                http, "UntagPrincipal", accountId, type, name, async (p, _, ct) =>
                {
                    await store.UntagPrincipalAsync(p, AdminValidation.TagKey(tagKey), ct);
                    return AdminResult.NoContent;
                }))
            .Describe("UntagPrincipal", "Removes a tag from a principal.")
            .Produces(StatusCodes.Status204NoContent);

        group.MapGet("/root-key", Handler(http => admin.RunAsync(http, "GetRootKeyStatus", null, (_, ct) => admin.RootKeyStatusAsync(ct))))
            .Describe("GetRootKeyStatus", "Which root key the HSA holds: its key-check value (an HMAC of a fixed label under it, as the store records it), never the key.")
            .Produces<RootKeyStatusResponse>();

        group.MapPost("/audit/verify", Handler(http => admin.RunAsync(http, "VerifyAuditTrail", null, (_, ct) => admin.VerifyAuditAsync(ct))))
            .Describe("VerifyAuditTrail", "Runs the audit trail's verification (as `audit verify` does) and returns its result.")
            .Produces<AuditVerificationResponse>();

        // Anything else under the prefix is not a KMS call either (POST /{**path} would take it): a JSON 404.
        group.MapMethods("/{**rest}", [HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Patch, HttpMethods.Delete], Handler(http => WriteAsync(
                http,
                Error(StatusCodes.Status404NotFound, "UnknownOperationException", $"No admin endpoint answers {http.Request.Method} {http.Request.Path}: see {AdminOpenApi.SwaggerPath}."),
                http.RequestAborted)))
            .ExcludeFromDescription();
    }

    // A handler of the HttpContext alone, as a Delegate so that the route is described (a RequestDelegate is not).
    private static Delegate Handler(Func<HttpContext, Task> handler) => handler;

    private static Func<AdminCall, string?> AccountResource(string accountId) =>
        _ => AdminArns.AccountRoot(AdminValidation.AccountId(accountId));

    private static AdminResult Ok(object body) => new(StatusCodes.Status200OK, body);

    private Task OnPrincipalAsync(
        HttpContext http, string action, string accountId, string type, string name, Func<PrincipalName, AdminCall, CancellationToken, Task<AdminResult>> work)
    {
        PrincipalName? principal = null;
        return RunAsync(
            http,
            action,
            _ =>
            {
                principal = AdminValidation.Principal(accountId, type, name);
                return principal.Arn;
            },
            (call, ct) => work(principal!, call, ct));
    }

    private async Task<AdminResult> RootKeyStatusAsync(CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        var stored = await db.StoreMeta.AsNoTracking().Where(m => m.Name == RootKeyCheck.MetaName).Select(m => m.Value).FirstOrDefaultAsync(ct);
        var held = Convert.ToHexStringLower(hsa.RootKeyCheckValue());
        return Ok(new RootKeyStatusResponse(held, stored, stored is not null && await RootKeyCheck.ChecksOutAsync(db, hsa, ct)));
    }

    private async Task<AdminResult> VerifyAuditAsync(CancellationToken ct)
    {
        await using var db = dbFactory.Create();
        var result = await verifier.VerifyAsync(db, ct);
        return Ok(new AuditVerificationResponse(result.Valid, result.Records, result.Digests, result.FirstBadSequence, result.PrunedThrough, result.Message));
    }

    /// <summary>Authenticates, finds the resource, authorizes, runs <paramref name="work"/>, audits, answers.
    /// <paramref name="resource"/> null means a service-wide action (resource <c>*</c>).</summary>
    private async Task RunAsync(HttpContext http, string action, Func<AdminCall, string?>? resource, Func<AdminCall, CancellationToken, Task<AdminResult>> work)
    {
        var requestId = PublicRandom.NewGuid().ToString("D");
        var eventTime = time.GetUtcNow();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        var ct = http.RequestAborted;
        CallContext? caller = null;
        AdminResult result;
        string? errorCode = null;
        string? errorMessage = null;
        try
        {
            using var body = await KmsEndpoint.ReadBodyAsync(http.Request, ct);
            caller = authenticator.Authenticate(http, body.WrittenMemory, SigningName, requestId);

            // INVARIANT: a known access key is always verified, so only a verified caller passes this check.
            if (!identities.TryGet(caller.AccessKeyId, out _))
            {
                throw new UnrecognizedClientException("The security token included in the request is invalid.");
            }

            var call = new AdminCall(caller, body.WrittenMemory);
            var resourceArn = resource?.Invoke(call);
            authorizer.DemandAdminAction(caller, ActionPrefix + action, resourceArn, RootHoldsAll(caller, resourceArn));
            result = await work(call, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
            return;
        }
        catch (Exception e) when (Classify(e) is { } error)
        {
            (result, errorCode, errorMessage) = (error, error.Error!.Type, error.Error.Message);
        }
        catch (Exception e)
        {
            LogInternalError(logger, requestId, action, e);
            result = Error(StatusCodes.Status500InternalServerError, nameof(KMSInternalException), KmsEndpoint.InternalErrorMessage);
            (errorCode, errorMessage) = (nameof(KMSInternalException), KmsEndpoint.InternalErrorMessage);
        }

        try
        {
            // The answer waits for its record (fail closed), as KMS calls do.
            await audit.AppendAsync(Record(eventTime, action, requestId, http, caller, errorCode, errorMessage), ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested)
        {
            LogInternalError(logger, requestId, action, e);
            result = Error(StatusCodes.Status500InternalServerError, nameof(KMSInternalException), KmsEndpoint.InternalErrorMessage);
        }

        if (errorCode is null && caller is not null && !HttpMethods.IsGet(http.Request.Method))
        {
            LogChange(logger, requestId, caller.PrincipalArn, action);
        }

        await WriteAsync(http, result, ct);
    }

    // IAM: an account's root holds every permission on its own account's resources. Service-wide actions (resource *)
    // belong to no account: only identity policies grant them, and in Development the development root.
    private bool RootHoldsAll(CallContext caller, string? resourceArn) =>
        resourceArn is not null
            ? AdminArns.AccountOf(resourceArn) == caller.AccountId
            : environment.IsDevelopment() && caller.PrincipalArn == IdentityStore.DevelopmentRoot.Arn;

    private static AdminResult? Classify(Exception e) => e switch
    {
        AdminException a => Error(a.Status, a.Code, a.Message),
        MissingAuthenticationTokenException or IncompleteSignatureException or InvalidSignatureException
            or UnrecognizedClientException or ExpiredTokenException => Error(StatusCodes.Status401Unauthorized, ((KmsException)e).ErrorCode, e.Message),
        AccessDeniedException a => Error(StatusCodes.Status403Forbidden, a.ErrorCode, a.Message),
        MalformedPolicyDocumentException m => Error(StatusCodes.Status400BadRequest, m.ErrorCode, m.Message),
        KmsException k => Error(k.HttpStatus, k.ErrorCode, k.HasMessage ? k.Message : k.ErrorCode),
        _ => null,
    };

    private static AdminResult Error(int status, string code, string message) => new(status, null, new AdminErrorBody(code, message));

    private AuditEvent Record(DateTimeOffset eventTime, string action, string requestId, HttpContext http, CallContext? caller, string? errorCode, string? errorMessage) =>
        new(
            Guid.CreateVersion7(), eventTime, action, AuditEventType.ApiCall, requestId, caller?.Region ?? options.DefaultRegion, caller,
            caller?.SourceIp ?? http.Connection.RemoteIpAddress?.ToString(), caller?.UserAgent ?? http.Request.Headers.UserAgent.ToString(),
            null, null, errorCode, errorMessage, null, null, ReadOnly: HttpMethods.IsGet(http.Request.Method))
        {
            EventSource = EventSource,
        };

    private static async Task WriteAsync(HttpContext http, AdminResult result, CancellationToken ct)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = result.Status;
        if (result.Status == StatusCodes.Status401Unauthorized)
        {
            http.Response.Headers.WWWAuthenticate = "AWS4-HMAC-SHA256";
        }

        object? body = result.Error ?? result.Body;
        if (body is null)
        {
            return;
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), Json);
        http.Response.ContentType = JsonContentType;
        http.Response.ContentLength = bytes.Length;
        await http.Response.Body.WriteAsync(bytes, ct);
    }

    [LoggerMessage(EventId = EventIds.UnexpectedRequestError, Level = LogLevel.Error, Message = "Admin request {RequestId} ({Action}) failed with an unexpected error")]
    private static partial void LogInternalError(ILogger logger, string requestId, string action, Exception exception);

    [LoggerMessage(EventId = EventIds.AdminChange, Level = LogLevel.Information, Message = "Admin request {RequestId}: {Principal} called {Action}")]
    private static partial void LogChange(ILogger logger, string requestId, string principal, string action);
}

/// <summary>An authenticated admin call: who, and the request body (valid until the call is answered).</summary>
internal sealed class AdminCall(CallContext caller, ReadOnlyMemory<byte> body)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow };
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public CallContext Caller { get; } = caller;

    /// <summary>The body as a JSON object of <typeparamref name="T"/>; anything else is a 400 ValidationException.</summary>
    public T Read<T>()
        where T : class
    {
        if (body.IsEmpty)
        {
            throw AdminException.Invalid("The request body must be a JSON object.");
        }

        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, Json) ?? throw AdminException.Invalid("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            // Where it went wrong, not the parser's message (which names .NET types).
            throw AdminException.Invalid(
                $"The request body is not a JSON object this call accepts (at {e.Path ?? "$"}, line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}): "
                + "check the field names and types in the OpenAPI document (/_kms/openapi/v1.json).");
        }
    }

    /// <summary>The body as UTF-8 text.</summary>
    public string Text()
    {
        try
        {
            return StrictUtf8.GetString(body.Span);
        }
        catch (DecoderFallbackException)
        {
            throw AdminException.Invalid("The request body must be UTF-8.");
        }
    }
}

/// <summary>What an admin call answers: a status and a body (or an error body).</summary>
internal sealed record AdminResult(int Status, object? Body, AdminErrorBody? Error = null)
{
    public static AdminResult NoContent { get; } = new(StatusCodes.Status204NoContent, null);
}

/// <summary>OpenAPI descriptions of the admin routes.</summary>
internal static class AdminRouteDescriptions
{
    /// <summary>Describes the JSON request body as <typeparamref name="T"/>. Not <c>Accepts</c> metadata, which would make
    /// routing refuse another Content-Type (curl -d sends a form's): the body is read as JSON whatever it says.</summary>
    public static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder route) => route.AddOpenApiOperationTransformer(async (operation, context, ct) =>
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Content = new Dictionary<string, OpenApiMediaType>(StringComparer.Ordinal) { ["application/json"] = new OpenApiMediaType { Schema = schema } },
        };
    });

    /// <summary>Names the route after its action and describes it, with the errors every admin call may answer.</summary>
    public static RouteHandlerBuilder Describe(this RouteHandlerBuilder route, string action, string summary) => route
        .WithName(action)
        .WithSummary($"{action} ({AdminEndpoints.ActionPrefix}{action})")
        .WithDescription(summary + " Signed with SigV4, signing name 'kmsadmin'; the caller's identity policy must allow " + AdminEndpoints.ActionPrefix + action + ".")
        .Produces<AdminErrorBody>(StatusCodes.Status400BadRequest, "application/json")
        .Produces<AdminErrorBody>(StatusCodes.Status401Unauthorized, "application/json")
        .Produces<AdminErrorBody>(StatusCodes.Status403Forbidden, "application/json")
        .Produces<AdminErrorBody>(StatusCodes.Status404NotFound, "application/json")
        .Produces<AdminErrorBody>(StatusCodes.Status409Conflict, "application/json");
}
