using KmsService.Core.Auth;
using KmsService.Core.Errors;
using KmsService.Identity;
using Microsoft.AspNetCore.Http;

namespace KmsService.Protocol;

/// <summary>SigV4 authentication of every request: the caller becomes a principal with an account, and the
/// region of the credential scope becomes the request's region.</summary>
internal sealed class Authenticator(IdentityStore identities, SigV4Verifier verifier)
{
    public CallContext Authenticate(HttpContext http, ReadOnlyMemory<byte> body, string service, string requestId)
    {
        var request = ToSigV4Request(http.Request, body);
        var auth = SigV4Parser.Parse(request);

        Principal principal;
        if (identities.TryGet(auth.AccessKeyId, out var accessKey))
        {
            // Known access keys are always verified.
            verifier.Verify(request, auth, accessKey.SecretAccessKey, service);
            principal = accessKey.Principal;
        }
        else if (identities.UnknownKeyPrincipal is { } fallback)
        {
            principal = fallback;
        }
        else
        {
            throw new UnrecognizedClientException("The security token included in the request is invalid.");
        }

        return new CallContext(
            principal.AccountId,
            principal.Arn,
            auth.AccessKeyId,
            auth.Region,
            http.Connection.RemoteIpAddress?.ToString(),
            requestId,
            http.Request.Headers.UserAgent.ToString(),
            principal,
            http.Request.IsHttps);
    }

    private static SigV4Request ToSigV4Request(HttpRequest request, ReadOnlyMemory<byte> body)
    {
        var headers = new List<KeyValuePair<string, string>>(request.Headers.Count + 1);
        foreach (var header in request.Headers)
        {
            foreach (var value in header.Value)
            {
                headers.Add(new(header.Key, value ?? string.Empty));
            }
        }

        // The path as received on the wire (PathBase + Path are decoded forms).
        var rawTarget = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        var path = rawTarget is null ? request.PathBase.Add(request.Path).ToString() : rawTarget.Split('?', 2)[0];
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        return new SigV4Request(request.Method, path, query, headers, body);
    }
}
