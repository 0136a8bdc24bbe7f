using System.Net;
using System.Text.Json;

namespace KmsService.Tests.Infrastructure;

/// <summary>Calls the admin API (<c>/_kms/admin/…</c>) signed with SigV4 for <c>kmsadmin</c>, by default as the
/// development root (test/test).</summary>
public sealed class AdminClient(Uri server, string accessKeyId = "test", string secretAccessKey = "test")
{
    public const string DevAccount = "000000000000";

    public async Task<AdminResponse> SendAsync(HttpMethod method, string path, string? body = null, string service = "kmsadmin")
    {
        var request = RawKmsRequest.ForPath(server, method.Method, "/_kms/admin" + path, body, service, accessKeyId, secretAccessKey).Sign();
        var (status, text) = await request.SendForBodyAsync(null, TestContext.Current.CancellationToken);
        return new AdminResponse(status, text);
    }

    public Task<AdminResponse> GetAsync(string path) => SendAsync(HttpMethod.Get, path);

    public Task<AdminResponse> PostAsync(string path, string? body = null) => SendAsync(HttpMethod.Post, path, body);

    public Task<AdminResponse> PutAsync(string path, string body) => SendAsync(HttpMethod.Put, path, body);

    public Task<AdminResponse> DeleteAsync(string path) => SendAsync(HttpMethod.Delete, path);

    /// <summary>Creates a user in <paramref name="account"/> with an access key and one identity policy; returns its
    /// ARN and credentials.</summary>
    public async Task<(string Arn, string AccessKeyId, string Secret)> CreateUserAsync(string account, string name, string? policy)
    {
        (await PostAsync($"/accounts/{account}/principals", $$"""{"type": "user", "name": "{{name}}"}""")).Expect(HttpStatusCode.Created);
        if (policy is not null)
        {
            (await PutAsync($"/accounts/{account}/principals/user/{name}/policies/main", policy)).Expect(HttpStatusCode.NoContent);
        }

        var key = (await PostAsync($"/accounts/{account}/principals/user/{name}/access-keys")).Expect(HttpStatusCode.Created);
        return ($"arn:aws:iam::{account}:user/{name}", key.Text("accessKeyId"), key.Text("secretAccessKey"));
    }

    /// <summary>An identity policy allowing <paramref name="actions"/> (JSON array items) on Resource <paramref name="resource"/>.</summary>
    public static string Allow(string actions, string resource = "*") =>
        $$"""{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": [{{actions}}], "Resource": "{{resource}}"}]}""";
}

/// <summary>An admin API answer: its status and body.</summary>
public sealed record AdminResponse(HttpStatusCode Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body.Length == 0 ? "{}" : Body).RootElement;

    public string? Type => Json.TryGetProperty("__type", out var t) ? t.GetString() : null;

    public string Text(string name) => Json.GetProperty(name).GetString()!;

    /// <summary>Asserts the status (showing the body when it differs) and returns this answer.</summary>
    public AdminResponse Expect(HttpStatusCode status)
    {
        Assert.True(status == Status, $"expected {(int)status}, got {(int)Status}: {Body}");
        return this;
    }

    /// <summary>Asserts an error answer: status and <c>__type</c>, with a message.</summary>
    public AdminResponse ExpectError(HttpStatusCode status, string type)
    {
        Expect(status);
        Assert.Equal(type, Type);
        Assert.False(string.IsNullOrWhiteSpace(Json.GetProperty("message").GetString()));
        return this;
    }
}
