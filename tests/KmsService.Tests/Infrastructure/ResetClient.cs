using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.Runtime.Internal.Auth;

namespace KmsService.Tests.Infrastructure;

/// <summary>
/// Calls <c>POST /_kms/reset</c> as a test suite does: SigV4-signed by the AWS SDK for .NET's own signer (signing
/// name <c>kms</c>) with the credentials of a principal allowed to reset. This is the README's .NET example.
/// </summary>
public static class ResetClient
{
    public static async Task<HttpResponseMessage> ResetAsync(
        Uri serviceUrl, string accessKey = "test", string secretKey = "test", string region = "us-east-1", CancellationToken ct = default)
    {
        var config = new AmazonKeyManagementServiceConfig { ServiceURL = serviceUrl.ToString(), AuthenticationRegion = region };
        var request = new DefaultRequest(new ListKeysRequest(), "kms")
        {
            HttpMethod = "POST",
            Endpoint = serviceUrl,
            ResourcePath = "/_kms/reset",
            Content = "{}"u8.ToArray(),
            AuthenticationRegion = region,
        };
        request.Headers["Content-Type"] = "application/json";
        new AWS4Signer().Sign(request, config, metrics: null, new BasicAWSCredentials(accessKey, secretKey));

        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(serviceUrl, "/_kms/reset"))
        {
            Content = new ByteArrayContent(request.Content),
        };
        foreach (var (name, value) in request.Headers)
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                message.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(value);
            }
            else if (!name.Equals("Host", StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var http = new HttpClient();
        return await http.SendAsync(message, ct);
    }
}
