using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Audit.Lookup;

/// <summary>CloudTrail calls signed for <c>cloudtrail</c> and sent as raw AWS JSON 1.1: the AWS SDK for .NET's CloudTrail
/// client (AWSSDK.CloudTrail) is not served by this workplace's package feed, so these tests speak the wire protocol
/// the model defines (and the AWS CLI and boto3 were checked by hand against the same endpoint).</summary>
public sealed class CloudTrailCalls(Uri server, string accessKey = "test", string secretKey = "test")
{
    public const string Prefix = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.";

    /// <summary>A successful LookupEvents: the response body; fails the test on an error.</summary>
    public async Task<JsonObject> LookupAsync(JsonObject request, CancellationToken ct)
    {
        var (status, body) = await SendAsync("LookupEvents", request.ToJsonString(), ct);
        Assert.True(status == HttpStatusCode.OK, $"LookupEvents answered {(int)status}: {body}");
        return JsonNode.Parse(body)!.AsObject();
    }

    /// <summary>A LookupEvents expected to fail: its __type and message.</summary>
    public async Task<(string? Type, string? Message)> LookupErrorAsync(JsonObject request, CancellationToken ct) =>
        await ErrorAsync("LookupEvents", request.ToJsonString(), ct);

    public async Task<(string? Type, string? Message)> ErrorAsync(string operation, string body, CancellationToken ct, string service = "cloudtrail")
    {
        var (status, text) = await SendAsync(operation, body, ct, service);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        using var document = JsonDocument.Parse(text);
        var root = document.RootElement;
        return (root.GetProperty("__type").GetString(), root.TryGetProperty("message", out var m) ? m.GetString() : null);
    }

    public Task<(HttpStatusCode Status, string Body)> SendAsync(string operation, string body, CancellationToken ct, string service = "cloudtrail") =>
        RawKmsRequest.ForTarget(server, Prefix + operation, body, service, accessKey, secretKey).Sign().SendForBodyAsync(null, ct);
}
