using System.Buffers;
using System.Text.Json;
using KmsService.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace KmsService.Protocol;

/// <summary>The AWS JSON 1.1 endpoint: reads the body (bounded), authenticates, dispatches on X-Amz-Target, and
/// writes the response or an AWS-shaped error. Anything unexpected becomes KMSInternalException with a fixed
/// message; details go to the log only.</summary>
internal sealed partial class KmsEndpoint(
    OperationTable operations, Authenticator authenticator, RequestRateLimiter rateLimiter, ILogger<KmsEndpoint> logger)
{
    /// <summary>Largest body accepted: far above any valid request (a 131072-character policy, escaped).</summary>
    public const int MaxBodyBytes = 1024 * 1024;

    public const string ContentType = "application/x-amz-json-1.1";

    public async Task HandleAsync(HttpContext http)
    {
        var requestId = Guid.NewGuid().ToString("D");
        http.Response.Headers["x-amzn-RequestId"] = requestId;
        http.Response.Headers.Date = DateTimeOffset.UtcNow.ToString("R");
        var ct = http.RequestAborted;
        try
        {
            var body = await ReadBodyAsync(http.Request, ct);
            var call = authenticator.Authenticate(http, body, "kms", requestId);
            var target = http.Request.Headers["X-Amz-Target"].ToString();
            if (!operations.TryGet(target, out var handler))
            {
                throw new UnknownOperationException(target.Length == 0
                    ? "The request has no X-Amz-Target header naming an operation."
                    : $"X-Amz-Target '{target}' is not an operation of this service.");
            }

            rateLimiter.Acquire(call.AccountId, target[OperationTable.TargetPrefix.Length..]);
            var response = await handler(body, call, ct);
            http.Response.StatusCode = StatusCodes.Status200OK;
            http.Response.ContentType = ContentType;
            http.Response.ContentLength = response.Length;
            await http.Response.Body.WriteAsync(response, ct);
        }
        catch (KmsException e)
        {
            await WriteErrorAsync(http, e.HttpStatus, e.ErrorCode, e.HasMessage ? e.Message : null);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            LogInternalError(logger, requestId, e);
            await WriteErrorAsync(http, StatusCodes.Status500InternalServerError, nameof(KMSInternalException),
                "The request processing has failed because of an unknown error, exception or failure.");
        }
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw TooLarge();
        }

        var buffer = new ArrayBufferWriter<byte>((int)(request.ContentLength ?? 1024));
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, ct);
            if (read == 0)
            {
                return buffer.WrittenMemory;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > MaxBodyBytes)
            {
                throw TooLarge();
            }
        }
    }

    private static ValidationException TooLarge() =>
        new($"The request body is larger than the {MaxBodyBytes} bytes this service accepts.");

    private static async Task WriteErrorAsync(HttpContext http, int status, string code, string? message)
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

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Request {RequestId} failed with an unexpected error")]
    private static partial void LogInternalError(ILogger logger, string requestId, Exception exception);
}
