using KmsService.Core.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;

namespace KmsService.Protocol;

/// <summary>Gives every error answered outside the KMS operations an AWS-shaped body (<c>{"__type", "message"}</c>,
/// <c>application/x-amz-json-1.1</c>) when nothing else wrote one: a method other than POST outside <c>/_kms</c> (a 404
/// <c>UnknownOperationException</c>, as AWS's front door answers), a path or method no <c>/_kms</c> endpoint serves,
/// and any other bodiless error status. Sits after the KMS fast path, so KMS calls never pass through it.</summary>
/// <remarks>What Kestrel refuses before any middleware runs (a malformed <c>Content-Length</c>, an unsupported
/// <c>Transfer-Encoding</c>, an over-long header (431), an unsupported HTTP version (505), a malformed request line) it
/// answers itself, with the status, <c>Connection: close</c> and an empty body: Kestrel offers no hook there.</remarks>
internal static class ProtocolErrorBodies
{
    public static async Task InvokeAsync(HttpContext http, RequestDelegate next)
    {
        var outsideService = !http.Request.Path.StartsWithSegments("/_kms", StringComparison.OrdinalIgnoreCase);
        if (outsideService && !HttpMethods.IsPost(http.Request.Method))
        {
            // Only POST is the protocol; nothing else is routed outside /_kms.
            await WriteAsync(http, StatusCodes.Status404NotFound, nameof(UnknownOperationException),
                $"{http.Request.Method} is not part of the AWS KMS protocol: send POST / with an X-Amz-Target header naming the operation (TrentService.<Operation>).");
            return;
        }

        await next(http);
        if (http.Response.HasStarted || http.Response.StatusCode < 400 || http.Response.ContentLength > 0 || http.Response.ContentType is not null)
        {
            return;
        }

        var (code, message) = http.Response.StatusCode switch
        {
            StatusCodes.Status404NotFound => (nameof(UnknownOperationException), $"No service endpoint at {http.Request.Path}."),
            StatusCodes.Status405MethodNotAllowed => (nameof(UnknownOperationException), $"{http.Request.Path} does not accept {http.Request.Method}."),
            >= 500 => (nameof(KMSInternalException), "The request processing has failed because of an unknown error, exception or failure."),
            var status => (nameof(ValidationException), $"The request was refused (HTTP {status} {ReasonPhrases.GetReasonPhrase(status)})."),
        };
        await WriteAsync(http, http.Response.StatusCode, code, message);
    }

    private static Task WriteAsync(HttpContext http, int status, string code, string message)
    {
        if (HttpMethods.IsHead(http.Request.Method))
        {
            // A HEAD response carries the headers a GET would, never a body.
            http.Response.StatusCode = status;
            http.Response.ContentType = KmsEndpoint.ContentType;
            return Task.CompletedTask;
        }

        return KmsEndpoint.WriteErrorAsync(http, status, code, message);
    }
}
