using System.Net.Http.Headers;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace KmsService.Testing;

/// <summary><c>POST /_kms/reset</c>, SigV4-signed (signing name <c>kms</c>) by the AWS SDK for .NET's own signer, as the
/// reset endpoint requires.</summary>
internal static class ResetRequest
{
    public const string Path = "/_kms/reset";

    public static HttpRequestMessage Create(Uri endpoint, string region, KmsTestCredentials credentials)
    {
        var config = new AmazonKeyManagementServiceConfig { ServiceURL = endpoint.ToString(), AuthenticationRegion = region };
        var signed = new DefaultRequest(new ListKeysRequest(), "kms")
        {
            HttpMethod = "POST",
            Endpoint = endpoint,
            ResourcePath = Path,
            Content = "{}"u8.ToArray(),
            AuthenticationRegion = region,
        };
        signed.Headers["Content-Type"] = "application/json";
        new AWS4Signer().Sign(signed, config, metrics: null, credentials.ToAwsCredentials());

        var message = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoint, Path))
        {
            Content = new ByteArrayContent(signed.Content),
        };
        foreach (var (name, value) in signed.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return message;
    }
}
