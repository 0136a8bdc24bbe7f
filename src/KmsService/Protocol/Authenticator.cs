using System.Security.Authentication;
using KmsService.Core.Auth;
using KmsService.Core.Errors;
using KmsService.Identity;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;

namespace KmsService.Protocol;

/// <summary>SigV4 authentication of every request: the caller becomes a principal with an account, and the
/// region of the credential scope becomes the request's region.</summary>
internal sealed class Authenticator(IdentityStore identities, SigV4Verifier verifier)
{
    /// <summary>AWS's answer to an unknown access key and to a session token it does not accept (WIRE.md §7.6).</summary>
    private const string InvalidToken = "The security token included in the request is invalid.";

    private const string SecurityTokenHeader = "X-Amz-Security-Token";

    // The header lines of the request being verified on this thread. Verification is synchronous and nothing keeps
    // the SigV4Request, so one list per thread serves every request; it is emptied after each.
    [ThreadStatic]
    private static List<KeyValuePair<string, string>>? _threadHeaders;

    /// <summary>For the record of a call that was not authenticated: the access key its Authorization header names, when
    /// this service knows it, so that the key's account sees the failed attempt in its trail (an access key id is not a
    /// secret: anyone may name one, as on AWS). Null when the header names none or an unknown one.</summary>
    public AccessKey? KnownKeyNamedBy(HttpRequest request)
    {
        const string credential = "Credential=";
        var header = request.Headers.Authorization.ToString();
        var at = header.IndexOf(credential, StringComparison.Ordinal);
        if (at < 0)
        {
            return null;
        }

        var start = at + credential.Length;
        var end = header.IndexOf('/', start);
        return end > start && identities.TryGet(header[start..end], out var key) ? key : null;
    }

    public CallContext Authenticate(HttpContext http, ReadOnlyMemory<byte> body, string service, string requestId)
    {
        var headers = _threadHeaders ?? new List<KeyValuePair<string, string>>(16);
        _threadHeaders = null;
        SigV4Authorization auth;
        Principal principal;
        try
        {
            var request = ToSigV4Request(http.Request, body, headers);
            auth = SigV4Parser.Parse(request);
            if (identities.TryGet(auth.AccessKeyId, out var accessKey))
            {
                // Known access keys are always verified: the access key id, then the signature, then the session
                // token, in AWS's order (WIRE.md §7.6). Every known key is a long-term key (seed file, test/test), and
                // a long-term key carries no session token: a token means temporary credentials this service never
                // issued. The verifier has already refused the token header if it was not signed.
                verifier.Verify(request, auth, accessKey.SecretAccessKey, service);
                if (request.FirstHeader(SecurityTokenHeader) is not null)
                {
                    throw new UnrecognizedClientException(InvalidToken);
                }

                principal = accessKey.Principal;
            }
            else if (identities.UnknownKeyPrincipal is { } fallback)
            {
                // Kms:AllowUnknownAccessKeys (on by default in Development only): any credentials people have act as the
                // development root, unverified, temporary ones too, so their session token is accepted whatever it is.
                // Nothing here is verified, but the scope's region becomes the request's region and part of every ARN
                // the request makes: it must be a region name.
                SigV4Verifier.CheckRegion(auth);
                principal = fallback;
            }
            else
            {
                throw new UnrecognizedClientException(InvalidToken);
            }
        }
        finally
        {
            headers.Clear();
            _threadHeaders = headers;
        }

        // INVARIANT: both paths above refused a region that is no region name, the only case without a partition.
        var partition = auth.Partition ?? throw new KMSInternalException("The request's region has no partition.");
        return new CallContext(
            principal.AccountId,
            principal.Arn,
            auth.AccessKeyId,
            auth.Region,
            partition,
            http.Connection.RemoteIpAddress?.ToString(),
            requestId,
            http.Request.Headers.UserAgent.ToString(),
            principal,
            http.Request.IsHttps)
        {
            Tls = TlsOf(http),
        };
    }

    /// <summary>The connection's TLS facts for CloudTrail's <c>tlsDetails</c>; null over plain HTTP.</summary>
    private static CallTls? TlsOf(HttpContext http)
    {
        if (!http.Request.IsHttps)
        {
            return null;
        }

        var tls = http.Features.Get<ITlsHandshakeFeature>();
        var version = tls?.Protocol switch
        {
            SslProtocols.Tls13 => "TLSv1.3",
            SslProtocols.Tls12 => "TLSv1.2",
            null or SslProtocols.None => null,
            var other => other.ToString(),
        };
        var host = http.Request.Host.HasValue ? http.Request.Host.Value : null;
        return new CallTls(version, tls?.NegotiatedCipherSuite?.ToString(), host);
    }

    private static SigV4Request ToSigV4Request(HttpRequest request, ReadOnlyMemory<byte> body, List<KeyValuePair<string, string>> headers)
    {
        foreach (var header in request.Headers)
        {
            foreach (var value in header.Value)
            {
                headers.Add(new(header.Key, value ?? string.Empty));
            }
        }

        // The path as received on the wire (PathBase + Path are decoded forms).
        var rawTarget = request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestFeature>()?.RawTarget;
        var path = rawTarget is null ? request.PathBase.Add(request.Path).ToString() : PathOf(rawTarget);
        var query = request.QueryString.HasValue ? request.QueryString.Value![1..] : string.Empty;
        return new SigV4Request(request.Method, path, query, headers, body);
    }

    // The request target up to its query string; no allocation when there is none (SDKs post to "/").
    private static string PathOf(string rawTarget)
    {
        var query = rawTarget.IndexOf('?', StringComparison.Ordinal);
        return query < 0 ? rawTarget : rawTarget[..query];
    }
}
