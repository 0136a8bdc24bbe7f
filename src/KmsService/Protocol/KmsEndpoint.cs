using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text.Json;
using KmsService.Audit.Lookup;
using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Hosting;
using KmsService.Lifecycle;
using KmsService.Storage;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KmsService.Protocol;

/// <summary>The AWS JSON 1.1 endpoint: reads the body (bounded), authenticates, dispatches on X-Amz-Target (KMS's
/// <c>TrentService.*</c> signed for <c>kms</c>; CloudTrail's LookupEvents, signed for <c>cloudtrail</c>), and writes the response or an AWS-shaped error. A store outage is answered with AWS's retryable faults and logged once
/// (<see cref="StoreOutage"/>); anything else unexpected becomes KMSInternalException with a fixed message, and its
/// details go to the log only. Every call answered is counted (<see cref="KmsMetrics"/>) and, unless
/// <c>Kms:RequestLog</c> is false, logged as one line: operation, principal, key, status, error code, duration, request
/// id; never a request or response body, a header or a secret.</summary>
internal sealed partial class KmsEndpoint(
    OperationTable operations, CloudTrailOperations cloudTrail, Authenticator authenticator, RequestRateLimiter rateLimiter, StoreOutage storeOutage, IAuditSink audit,
    KmsOptions options, TimeProvider time, KmsMetrics metrics, KeyUsageTracker keyUsage, ILogger<KmsEndpoint> logger)
{
    /// <summary>The error code logged and counted for a call whose client went away before it was answered (no AWS
    /// code: nothing was answered), with the status <see cref="ClientClosedStatus"/>.</summary>
    public const string ClientClosed = "ClientClosedRequest";

    /// <summary>The status logged for a call whose client went away (nginx's convention; nothing is sent).</summary>
    public const int ClientClosedStatus = 499;

    /// <summary>The message of every KMSInternalException this service answers for a failure it does not explain.</summary>
    public const string InternalErrorMessage = "The request processing has failed because of an unknown error, exception or failure.";

    /// <summary>Largest body accepted: far above any valid request (a 131072-character policy, escaped).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public const string ContentType = "application/x-amz-json-1.1";

    private readonly HttpDate _date = new();

    /// <summary>
    /// True for the requests this endpoint takes before endpoint routing: every POST outside <c>/_kms</c>, which the
    /// catch-all route would bring here anyway (SDKs post to <c>/</c>). Skipping the route match saves its work and
    /// its route-value dictionary on every call; <c>/_kms/*</c> and other methods go through routing as mapped.
    /// </summary>
    public static bool TakesBeforeRouting(HttpContext http) =>
        HttpMethods.IsPost(http.Request.Method)
        && !http.Request.Path.StartsWithSegments("/_kms", StringComparison.OrdinalIgnoreCase);

    public async Task HandleAsync(HttpContext http)
    {
        var startedAt = Stopwatch.GetTimestamp();
        var requestId = PublicRandom.NewGuid().ToString("D");
        var eventTime = time.GetUtcNow();
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        http.Response.Headers.Date = _date.Now();
        var ct = http.RequestAborted;
        var target = http.Request.Headers["X-Amz-Target"].ToString();
        CallContext? call = null;
        OperationEntry? operation = null;
        string? errorCode = null;
        try
        {
            using var body = await ReadBodyAsync(http.Request, ct);

            // The target names the service, and so the credential scope the signature must have: a KMS call costs one
            // failed prefix comparison more (its first character differs).
            var isCloudTrail = CloudTrailOperations.Owns(target);
            call = authenticator.Authenticate(http, body.WrittenMemory, isCloudTrail ? CloudTrailOperations.SigningName : "kms", requestId);
            if (!(isCloudTrail ? cloudTrail.TryGet(target, out operation) : operations.TryGet(target, out operation)))
            {
                throw new UnknownOperationException(target.Length == 0
                    ? "The request has no X-Amz-Target header naming an operation."
                    : $"X-Amz-Target '{target}' is not an operation of this service.");
            }

            if (rateLimiter.Enabled)
            {
                rateLimiter.Acquire(call.AccountId, operation.Name);
            }

            // Both buffers are zeroed when this block ends, once the response is written. What is out of reach: Kestrel
            // reuses its pooled pipe buffers (the request as received, the response as sent) without clearing them,
            // and the GC may leave copies of a moved array behind.
            if (!operation.ReadOnly && audit.Transactional)
            {
                // A change and its record commit in one transaction (the store's); the record is the success record.
                var (changing, entry) = (call, operation);
                call.AuditTransaction = new AuditInTransaction(audit, () => Event(eventTime, requestId, target, http, changing, entry, null, null));
            }

            using var response = new ZeroingBufferWriter();
            await operation.Handler(body.WrittenMemory, call, response, ct);

            // Fail closed: the answer goes out only once its record is durable (already, when it was committed with
            // the call's change).
            if (call.AuditTransaction is not { Committed: true })
            {
                var record = Event(eventTime, requestId, target, http, call, operation, null, null);
                errorCode = await TryAuditAsync(http, record, ct);
                if (errorCode is not null)
                {
                    return;
                }

                // INVARIANT: the tracked operations are read-only, so their record is always this one (GetKeyLastUsage's
                // CloudTrailEventId is its eventID).
                if (call.KeyArn is { } keyArn && KeyUsageTracker.Tracks(operation.Name))
                {
                    keyUsage.Record(operation.Name, keyArn, call.SecondKeyArn, eventTime, record.EventId, requestId);
                }
            }

            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = ContentType;
            http.Response.ContentLength = response.WrittenCount;
            await http.Response.BodyWriter.WriteAsync(response.WrittenMemory, ct);
        }
        catch (KmsException e)
        {
            var message = e.HasMessage ? e.Message : null;
            errorCode = await AuditAndAnswerAsync(http, Event(eventTime, requestId, target, http, call, operation, e.ErrorCode, message), e.HttpStatus, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer, and (for now) nothing recorded: see Audit/Records/STATUS.md.
            errorCode = ClientClosed;
        }
        catch (Exception e) when (StoreFaults.Classify(e) != StoreFault.None)
        {
            var answer = storeOutage.FailCall(e);
            errorCode = await AuditAndAnswerAsync(
                http, Event(eventTime, requestId, target, http, call, operation, answer.ErrorCode, answer.Message), answer.HttpStatus, ct);
        }
        catch (Exception e)
        {
            LogInternalError(logger, requestId, e);
            var record = Event(eventTime, requestId, target, http, call, operation, nameof(KMSInternalException), InternalErrorMessage);
            errorCode = await AuditAndAnswerAsync(http, record, StatusCodes.Status500InternalServerError, ct);
        }
        finally
        {
            Completed(http, target, requestId, call, operation, errorCode, startedAt);
        }
    }

    /// <summary>Counts the call and writes its log line (unless <c>Kms:RequestLog</c> is false): only references the
    /// call already holds, and numbers.</summary>
    private void Completed(HttpContext http, string target, string requestId, CallContext? call, OperationEntry? operation, string? errorCode, long startedAt)
    {
        // A call refused before its operation was looked up (authentication) still names a known operation; an unknown
        // target is not the client's text here, which would make tags without bound.
        var name = operation?.Name
            ?? (operations.TryGet(target, out var known) || cloudTrail.TryGet(target, out known) ? known.Name : KmsMetrics.UnknownOperation);
        metrics.Request(name, errorCode, startedAt);
        if (options.RequestLog && logger.IsEnabled(LogLevel.Information))
        {
            var status = ReferenceEquals(errorCode, ClientClosed) ? ClientClosedStatus : http.Response.StatusCode;
            var elapsedMs = Stopwatch.GetElapsedTime(startedAt).TotalMilliseconds;
            if (errorCode is null)
            {
                LogRequest(logger, name, status, elapsedMs, call?.PrincipalArn, call?.KeyArn, requestId);
            }
            else
            {
                LogFailedRequest(logger, name, status, errorCode, elapsedMs, call?.PrincipalArn, call?.KeyArn, requestId);
            }
        }
    }

    /// <summary>Records a failed call, then answers its error; the error code that went out (the audit store's own when
    /// the record could not be written, see <see cref="TryAuditAsync"/>).</summary>
    private async ValueTask<string> AuditAndAnswerAsync(HttpContext http, AuditEvent record, int status, CancellationToken ct)
    {
        if (await TryAuditAsync(http, record, ct) is { } failed)
        {
            return failed;
        }

        var code = record.ErrorCode!;
        await WriteErrorAsync(http, status, code, record.ErrorMessage);
        return code;
    }

    /// <summary>The call's record: references to what the call already holds, no copies (the JSON is the sink's).</summary>
    private AuditEvent Event(
        DateTimeOffset eventTime, string requestId, string target, HttpContext http, CallContext? call, OperationEntry? operation,
        string? errorCode, string? errorMessage)
    {
        var projection = call?.Audit;
        return new AuditEvent(
            Guid.CreateVersion7(),
            eventTime,
            operation?.Name ?? EventNameOf(target),
            AuditEventType.ApiCall,
            requestId,
            call?.Region ?? options.DefaultRegion,
            call,
            call is null ? http.Connection.RemoteIpAddress?.ToString() : call.SourceIp,
            call is null ? Truncate(http.Request.Headers.UserAgent.ToString()) : call.UserAgent,
            projection?.RequestParameters,
            projection?.ResponseElements,
            errorCode,
            errorMessage,
            call?.KeyArn,
            call?.SecondKeyArn,
            operation?.ReadOnly ?? false)
        {
            EventSource = operation?.EventSource
                ?? (CloudTrailOperations.Owns(target) ? CloudTrailOperations.EventSource : AuditEvent.KmsEventSource),
            NamedKey = call is null && authenticator.KnownKeyNamedBy(http.Request) is { } named
                ? (named.AccessKeyId, named.Principal.AccountId)
                : null,
        };
    }

    // An unknown target is the client's text: recorded, but bounded.
    private static string EventNameOf(string target)
    {
        var name = target.StartsWith(OperationTable.TargetPrefix, StringComparison.Ordinal) ? target[OperationTable.TargetPrefix.Length..]
            : CloudTrailOperations.Owns(target) ? target[CloudTrailOperations.TargetPrefix.Length..]
            : target;
        return name.Length == 0 ? "Unknown" : Truncate(name);
    }

    private static string Truncate(string value) => value.Length <= 256 ? value : value[..256];

    /// <summary>Appends the call's record: null once it is durable. When the sink fails the call fails closed:
    /// KMSInternalException, and none of the operation's response; the error code answered then (or
    /// <see cref="ClientClosed"/>), and the caller writes nothing more.</summary>
    private async ValueTask<string?> TryAuditAsync(HttpContext http, AuditEvent record, CancellationToken ct)
    {
        try
        {
            await audit.AppendAsync(record, ct);
            return null;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return ClientClosed;
        }
        catch (KmsException e)
        {
            // The audit store's own answer, already logged where it failed (once per outage by StoreOutage): the
            // retryable DependencyTimeoutException while the store is out, KMSInternalException otherwise.
            await WriteErrorAsync(http, e.HttpStatus, e.ErrorCode, e.HasMessage ? e.Message : null);
            return e.ErrorCode;
        }
        catch (Exception e)
        {
            LogAuditFailed(logger, record.RequestId, e);
            await WriteErrorAsync(http, StatusCodes.Status500InternalServerError, nameof(KMSInternalException), InternalErrorMessage);
            return nameof(KMSInternalException);
        }
    }

    /// <summary>Anything unexpected: KMSInternalException with a fixed message; the details go to the log only.</summary>
    internal static Task WriteInternalErrorAsync(HttpContext http, ILogger logger, string requestId, Exception e)
    {
        LogInternalError(logger, requestId, e);
        return WriteErrorAsync(http, StatusCodes.Status500InternalServerError, nameof(KMSInternalException), InternalErrorMessage);
    }

    /// <summary>The whole request body, in a buffer the caller disposes (which zeroes it: an Encrypt body holds the
    /// plaintext). A body that fails to arrive is the client's error: see <see cref="BodyReadFailed"/>.</summary>
    internal static async ValueTask<ZeroingBufferWriter> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        // Straight from the connection's pipe (no Stream adapter): a request whose Content-Length bytes have all
        // arrived completes on the first read, and its body is copied out once. A body that arrives in parts (a slow
        // client, chunked encoding) is copied out part by part, so that the pipe, which stops taking data when full,
        // never waits on this reader: an oversized chunked body is refused as soon as it passes the limit.
        var reader = request.BodyReader;
        ZeroingBufferWriter? body = null;
        try
        {
            while (true)
            {
                var result = await ReadAsync(reader, ct);
                var buffer = result.Buffer;
                if (result.IsCanceled)
                {
                    // As the request stream reports a canceled read.
                    throw new OperationCanceledException("The read was canceled.");
                }

                if ((body?.WrittenCount ?? 0) + buffer.Length > MaxBodyBytes)
                {
                    reader.AdvanceTo(buffer.End);
                    throw TooLarge();
                }

                var length = (int)buffer.Length;
                body ??= new ZeroingBufferWriter(result.IsCompleted ? length : ZeroingBufferWriter.DefaultCapacity);
                if (length > 0)
                {
                    buffer.CopyTo(body.GetSpan(length));
                    body.Advance(length);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    return body;
                }
            }
        }
        catch
        {
            body?.Dispose();
            throw;
        }
    }

    private static async ValueTask<ReadResult> ReadAsync(PipeReader reader, CancellationToken ct)
    {
        try
        {
            return await reader.ReadAsync(ct);
        }
        catch (BadHttpRequestException e)
        {
            throw BodyReadFailed(e);
        }
    }

    /// <summary>Kestrel's verdict on a body that did not arrive as it should, as an AWS error: the client's fault, so a
    /// 4xx, and nothing for the error log. Too slow (Kestrel's MinRequestBodyDataRate or request-body timeout) is
    /// RequestTimeoutException (408), a code the SDKs retry; over Kestrel's own size limit is the same
    /// ValidationException as over ours; malformed framing (a bad chunk) is SerializationException.</summary>
    private static KmsException BodyReadFailed(BadHttpRequestException e) => e.StatusCode switch
    {
        StatusCodes.Status408RequestTimeout => new RequestTimeoutException("The request body was not received in time."),
        StatusCodes.Status413PayloadTooLarge => TooLarge(),
        _ => new SerializationException("The request body could not be read: its HTTP framing is malformed."),
    };

    private static ValidationException TooLarge() =>
        new($"The request body is larger than the {MaxBodyBytes} bytes this service accepts.");

    internal static async Task WriteErrorAsync(HttpContext http, int status, string code, string? message)
    {
        if (http.Response.HasStarted)
        {
            return;
        }

        http.Response.StatusCode = status;
        http.Response.ContentType = ContentType;
        var body = JsonSerializer.SerializeToUtf8Bytes(new ErrorBody(code, message), KmsJsonContext.Default.ErrorBody);
        http.Response.ContentLength = body.Length;
        await http.Response.Body.WriteAsync(body);
    }

    [LoggerMessage(EventId = EventIds.UnexpectedRequestError, Level = LogLevel.Error, Message = "Request {RequestId} failed with an unexpected error")]
    private static partial void LogInternalError(ILogger logger, string requestId, Exception exception);

    // INVARIANT: only names, numbers and the ids the caller was told (request id) or is (principal, key ARN): never a
    // body, a header, a plaintext, a ciphertext or a secret.
    // A call that succeeded has no ErrorCode property (rather than a null one printed in the text).
    [LoggerMessage(EventId = EventIds.RequestCompleted, Level = LogLevel.Information,
        Message = "{Operation} answered {StatusCode} in {ElapsedMs:0.000} ms; principal {PrincipalArn}, key {KeyArn}, request {RequestId}")]
    private static partial void LogRequest(
        ILogger logger, string operation, int statusCode, double elapsedMs, string? principalArn, string? keyArn, string requestId);

    [LoggerMessage(EventId = EventIds.RequestCompleted, Level = LogLevel.Information,
        Message = "{Operation} answered {StatusCode} {ErrorCode} in {ElapsedMs:0.000} ms; principal {PrincipalArn}, key {KeyArn}, request {RequestId}")]
    private static partial void LogFailedRequest(
        ILogger logger, string operation, int statusCode, string errorCode, double elapsedMs, string? principalArn, string? keyArn, string requestId);

    [LoggerMessage(EventId = EventIds.AuditAppendFailed, Level = LogLevel.Error, Message = "Request {RequestId} failed closed: its audit record could not be written")]
    private static partial void LogAuditFailed(ILogger logger, string requestId, Exception exception);

    /// <summary>The HTTP Date header value (RFC 9110 IMF-fixdate), formatted once per second.</summary>
    private sealed class HttpDate
    {
        private Formatted? _current;

        public string Now()
        {
            var now = DateTimeOffset.UtcNow;
            var second = now.UtcTicks / TimeSpan.TicksPerSecond;
            var current = Volatile.Read(ref _current);
            if (current is null || current.Second != second)
            {
                current = new Formatted(second, now.ToString("R", CultureInfo.InvariantCulture));
                Volatile.Write(ref _current, current);
            }

            return current.Value;
        }

        private sealed record Formatted(long Second, string Value);
    }
}
