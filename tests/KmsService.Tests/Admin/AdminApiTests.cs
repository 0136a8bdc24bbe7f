using System.Diagnostics;
using System.Net;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Hosting;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Admin;

/// <summary>The admin API through signed HTTP, and what it makes used through the official AWS SDK at once.</summary>
public abstract class AdminApiTests(StoreFixture fixture) : ServiceTests(fixture)
{
    protected const string Dev = AdminClient.DevAccount;
    private const string SeedAccount = "111122223333";

    protected AdminClient Admin => new(Server.Url);

    protected static string NewName() => "u" + Guid.NewGuid().ToString("N")[..12];

    [Fact]
    public async Task CreatedUser_WithAccessKeyAndPolicy_EncryptsAtOnceOnThisInstance()
    {
        var key = await CreateKeyAsync();
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kms:Encrypt\""));

        Assert.Matches("^AKIA[A-Z2-7]{16}$", id);
        Assert.Equal(40, secret.Length);
        await EncryptAsync(Server.Client(id, secret), key.KeyId);
    }

    [Fact]
    public async Task IdentityPolicy_ChangedOrDenied_AppliesToTheNextCall()
    {
        var key = await CreateKeyAsync();
        var name = NewName();
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, name, policy: null);
        var client = Server.Client(id, secret);
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(client, key.KeyId));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);

        (await Admin.PutAsync($"/accounts/{Dev}/principals/user/{name}/policies/allow", AdminClient.Allow("\"kms:*\""))).Expect(HttpStatusCode.NoContent);
        await EncryptAsync(client, key.KeyId);

        var deny = """{"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Action": "kms:Encrypt", "Resource": "*"}]}""";
        (await Admin.PutAsync($"/accounts/{Dev}/principals/user/{name}/policies/deny", deny)).Expect(HttpStatusCode.NoContent);
        denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(client, key.KeyId));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);

        var names = (await Admin.GetAsync($"/accounts/{Dev}/principals/user/{name}/policies")).Expect(HttpStatusCode.OK);
        Assert.Equal(["allow", "deny"], names.Json.GetProperty("policyNames").EnumerateArray().Select(e => e.GetString()));
        var got = (await Admin.GetAsync($"/accounts/{Dev}/principals/user/{name}/policies/deny")).Expect(HttpStatusCode.OK);
        Assert.Equal("Deny", got.Json.GetProperty("policyDocument").GetProperty("Statement")[0].GetProperty("Effect").GetString());

        (await Admin.DeleteAsync($"/accounts/{Dev}/principals/user/{name}/policies/deny")).Expect(HttpStatusCode.NoContent);
        await EncryptAsync(client, key.KeyId);
        (await Admin.DeleteAsync($"/accounts/{Dev}/principals/user/{name}/policies/deny")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
    }

    [Fact]
    public async Task DeletedOrInactiveAccessKey_FailsAsAnUnknownKeyDoes()
    {
        // Where unknown keys are not mapped to the development root (Kms:AllowUnknownAccessKeys), so an unknown key fails.
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:AllowUnknownAccessKeys", "false");
        var server = isolated.Server;
        var admin = new AdminClient(server.Url);
        var key = (await server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var name = NewName();
        var (_, id, secret) = await admin.CreateUserAsync(Dev, name, AdminClient.Allow("\"kms:Encrypt\""));
        await EncryptAsync(server.Client(id, secret), key.KeyId);
        var unknown = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(
            () => EncryptAsync(server.Client("AKIAUNKNOWN000000000", secret), key.KeyId));

        (await admin.SendAsync(HttpMethod.Patch, $"/accounts/{Dev}/principals/user/{name}/access-keys/{id}", """{"status": "Inactive"}""")).Expect(HttpStatusCode.NoContent);
        var inactive = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(server.Client(id, secret), key.KeyId));
        Assert.Equal((unknown.ErrorCode, unknown.Message, unknown.StatusCode), (inactive.ErrorCode, inactive.Message, inactive.StatusCode));
        (await admin.SendAsync(HttpMethod.Patch, $"/accounts/{Dev}/principals/user/{name}/access-keys/{id}", """{"status": "Active"}""")).Expect(HttpStatusCode.NoContent);
        await EncryptAsync(server.Client(id, secret), key.KeyId);

        (await admin.DeleteAsync($"/accounts/{Dev}/principals/user/{name}/access-keys/{id}")).Expect(HttpStatusCode.NoContent);
        var deleted = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(server.Client(id, secret), key.KeyId));
        Assert.Equal("UnrecognizedClientException", unknown.ErrorCode);
        Assert.Equal((unknown.ErrorCode, unknown.Message, unknown.StatusCode), (deleted.ErrorCode, deleted.Message, deleted.StatusCode));
        (await admin.DeleteAsync($"/accounts/{Dev}/principals/user/{name}/access-keys/{id}")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
    }

    [Fact]
    public async Task CreatedIdentities_SurviveARestart()
    {
        var key = await CreateKeyAsync();
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kms:Encrypt\""));

        await using var other = await Fixture.StartAnotherAsync();
        await EncryptAsync(other.Client(id, secret), key.KeyId);
    }

    [Fact]
    public async Task UnsignedWronglySignedOrUnknownKeyCalls_AreRefused401()
    {
        using var http = new HttpClient();
        using var unsigned = await http.GetAsync(new Uri(Server.Url, "/_kms/admin/accounts"), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        Assert.Equal("application/json", unsigned.Content.Headers.ContentType?.MediaType);
        Assert.Contains("MissingAuthenticationTokenException", await unsigned.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        (await new AdminClient(Server.Url, "test", "wrong").GetAsync("/accounts")).ExpectError(HttpStatusCode.Unauthorized, "InvalidSignatureException");
        (await Admin.SendAsync(HttpMethod.Get, "/accounts", service: "kms")).ExpectError(HttpStatusCode.Unauthorized, "InvalidSignatureException");

        // In Development an unknown key may call KMS as the development root, unverified; never the admin API.
        (await new AdminClient(Server.Url, "AKIANOBODY0000000000", "x").GetAsync("/accounts")).ExpectError(HttpStatusCode.Unauthorized, "UnrecognizedClientException");
    }

    [Fact]
    public async Task CallsTheCallersPoliciesDoNotAllow_AreRefused403()
    {
        // Alice may do kms:* but nothing of kmsadmin.
        var alice = new AdminClient(Server.Url, TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        (await alice.GetAsync($"/accounts/{SeedAccount}/principals")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
        (await alice.PostAsync($"/accounts/{SeedAccount}/principals", """{"type": "user", "name": "mallory"}""")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");

        // The development root holds every permission in its own account only.
        (await Admin.GetAsync($"/accounts/{SeedAccount}/principals")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
        (await Admin.GetAsync($"/accounts/{Dev}/principals")).Expect(HttpStatusCode.OK);

        // A user allowed to list principals (only) of the other account.
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kmsadmin:ListPrincipals\"", $"arn:aws:iam::{SeedAccount}:*"));
        var lister = new AdminClient(Server.Url, id, secret);
        var listed = (await lister.GetAsync($"/accounts/{SeedAccount}/principals")).Expect(HttpStatusCode.OK);
        Assert.Contains(listed.Json.GetProperty("principals").EnumerateArray(), p => p.GetProperty("arn").GetString() == TestSeed.AliceArn);
        var denied = (await lister.GetAsync($"/accounts/{Dev}/principals")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
        Assert.Contains("kmsadmin:ListPrincipals", denied.Body, StringComparison.Ordinal);
        (await lister.PostAsync($"/accounts/{SeedAccount}/principals", """{"type": "user", "name": "mallory"}""")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
        (await lister.GetAsync("/root-key")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
    }

    [Fact]
    public async Task BadInput_Is400Json()
    {
        var name = NewName();
        (await Admin.PostAsync($"/accounts/{Dev}/principals", $$"""{"type": "user", "name": "{{name}}"}""")).Expect(HttpStatusCode.Created);
        var principal = $"/accounts/{Dev}/principals/user/{name}";

        (await Admin.GetAsync("/accounts/12345/principals")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync("/accounts", """{"accountId": "abc"}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync("/accounts", "")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync($"/accounts/{Dev}/principals", """{"type": "group", "name": "x"}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync($"/accounts/{Dev}/principals", """{"type": "user", "name": "a b"}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync($"/accounts/{Dev}/principals", """{"type": "user", "name": "x", "tags": {"aws:x": "y"}}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        var notJson = (await Admin.PostAsync($"/accounts/{Dev}/principals", "{not json")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        Assert.DoesNotContain("KmsService.", notJson.Body, StringComparison.Ordinal);
        (await Admin.PutAsync(principal + "/policies/p", """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*"}]}"""))
            .ExpectError(HttpStatusCode.BadRequest, "MalformedPolicyDocumentException");
        (await Admin.PutAsync(principal + "/policies/p", "not a policy")).ExpectError(HttpStatusCode.BadRequest, "MalformedPolicyDocumentException");
        (await Admin.PutAsync(principal + "/policies/bad%20name", AdminClient.Allow("\"kms:*\""))).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PutAsync(principal + "/policies/bad!name", AdminClient.Allow("\"kms:*\""))).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync(principal + "/tags", """{"tags": {}}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        var keyId = (await Admin.PostAsync(principal + "/access-keys")).Expect(HttpStatusCode.Created).Text("accessKeyId");
        (await Admin.SendAsync(HttpMethod.Patch, $"{principal}/access-keys/{keyId}", """{"status": "Off"}""")).ExpectError(HttpStatusCode.BadRequest, "ValidationException");
        (await Admin.PostAsync("/no-such-thing")).ExpectError(HttpStatusCode.NotFound, "UnknownOperationException");
        (await Admin.GetAsync($"/accounts/{Dev}/principals/user/{NewName()}")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
        (await Admin.GetAsync("/accounts/999999999999/principals")).ExpectError(HttpStatusCode.Forbidden, "AccessDeniedException");
        (await (await CreateServiceAdminAsync()).GetAsync("/accounts/999999999999/principals")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
        (await Admin.PostAsync($"/accounts/{Dev}/principals", $$"""{"type": "user", "name": "{{name}}"}""")).ExpectError(HttpStatusCode.Conflict, "EntityAlreadyExistsException");
    }

    [Fact]
    public async Task Secrets_AreShownOnceAndNeverListedLoggedOrStoredInClear()
    {
        var name = NewName();
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, name, AdminClient.Allow("\"kms:Encrypt\""));

        var listed = (await Admin.GetAsync($"/accounts/{Dev}/principals/user/{name}/access-keys")).Expect(HttpStatusCode.OK);
        var only = Assert.Single(listed.Json.GetProperty("accessKeys").EnumerateArray());
        Assert.Equal(id, only.GetProperty("accessKeyId").GetString());
        Assert.Equal("Active", only.GetProperty("status").GetString());
        Assert.DoesNotContain(secret, listed.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", listed.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(secret, (await Admin.GetAsync($"/accounts/{Dev}/principals/user/{name}")).Body, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, (await Admin.GetAsync($"/accounts/{Dev}/principals")).Body, StringComparison.Ordinal);

        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        var row = await db.IdentityAccessKeys.AsNoTracking().SingleAsync(k => k.AccessKeyId == id, Ct);
        Assert.DoesNotContain(secret, Encoding.Latin1.GetString(row.WrappedSecret), StringComparison.Ordinal);
        var audit = await db.AuditRecords.AsNoTracking().Where(r => r.EventSource == "iam.amazonaws.com" && r.EventName == "CreateAccessKey").ToListAsync(Ct);
        Assert.NotEmpty(audit);
        Assert.All(audit, r => Assert.DoesNotContain(secret, r.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task SeedDeclaredIdentities_WinAndAreNotEditable()
    {
        (await Admin.PostAsync("/accounts", $$"""{"accountId": "{{SeedAccount}}"}""")).ExpectError(HttpStatusCode.Conflict, "EntityAlreadyExistsException");
        var seedUser = "/accounts/" + SeedAccount + "/principals/user/alice";
        var admin = await CreateServiceAdminAsync();
        (await admin.PostAsync($"/accounts/{SeedAccount}/principals", """{"type": "user", "name": "alice"}""")).ExpectError(HttpStatusCode.Conflict, "UnmodifiableEntityException");
        (await admin.PostAsync(seedUser + "/access-keys")).ExpectError(HttpStatusCode.Conflict, "UnmodifiableEntityException");
        (await admin.PutAsync(seedUser + "/policies/p", AdminClient.Allow("\"kms:*\""))).ExpectError(HttpStatusCode.Conflict, "UnmodifiableEntityException");
        (await admin.DeleteAsync(seedUser)).ExpectError(HttpStatusCode.Conflict, "UnmodifiableEntityException");
        var read = (await admin.GetAsync(seedUser)).Expect(HttpStatusCode.OK);
        Assert.Equal("seed", read.Text("source"));

        // The development root (built in) is not editable either, and its key still works.
        (await Admin.PostAsync($"/accounts/{Dev}/principals", """{"type": "user", "name": "x", "tags": {}}""")).Expect(HttpStatusCode.Created);
        await Kms.ListKeysAsync(new ListKeysRequest(), Ct);
    }

    [Fact]
    public async Task AccountsAndTags_RoundTrip_AndTagsReachPolicyConditions()
    {
        var admin = await CreateServiceAdminAsync();
        var account = "9" + Random.Shared.NextInt64(10_000_000_000, 99_999_999_999).ToString(System.Globalization.CultureInfo.InvariantCulture);
        (await admin.PostAsync("/accounts", $$"""{"accountId": "{{account}}"}""")).Expect(HttpStatusCode.Created);
        (await admin.PostAsync("/accounts", $$"""{"accountId": "{{account}}"}""")).ExpectError(HttpStatusCode.Conflict, "EntityAlreadyExistsException");
        var accounts = (await admin.GetAsync("/accounts")).Expect(HttpStatusCode.OK);
        Assert.Contains(accounts.Json.GetProperty("accounts").EnumerateArray(), a => a.GetProperty("accountId").GetString() == account && a.GetProperty("source").GetString() == "api");

        // A user of the new account whose policy allows Encrypt only for team=blue: a tag decides.
        var policy = """{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "kms:*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalTag/team": "blue"}}}]}""";
        var (_, id, secret) = await admin.CreateUserAsync(account, "app", policy);
        var client = Server.Client(id, secret);
        var denied = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => client.CreateKeyAsync(new CreateKeyRequest(), Ct));
        Assert.Equal("AccessDeniedException", denied.ErrorCode);

        (await admin.PostAsync($"/accounts/{account}/principals/user/app/tags", """{"tags": {"team": "blue", "env": "ci"}}""")).Expect(HttpStatusCode.NoContent);
        var key = (await client.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        Assert.Equal(account, key.AWSAccountId);
        var tags = (await admin.GetAsync($"/accounts/{account}/principals/user/app/tags")).Expect(HttpStatusCode.OK);
        Assert.Equal("ci", tags.Json.GetProperty("tags").GetProperty("env").GetString());

        // The account's new user can be named in a key policy at once (it exists); one that does not exist cannot.
        var named = $$"""{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::{{account}}:root", "arn:aws:iam::{{account}}:user/app"]}, "Action": "kms:*", "Resource": "*"}]}""";
        await client.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = named }, Ct);
        await Assert.ThrowsAsync<MalformedPolicyDocumentException>(() => client.PutKeyPolicyAsync(
            new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = named.Replace("user/app", "user/nobody", StringComparison.Ordinal) }, Ct));

        (await admin.DeleteAsync($"/accounts/{account}/principals/user/app/tags/team")).Expect(HttpStatusCode.NoContent);
        (await admin.DeleteAsync($"/accounts/{account}/principals/user/app/tags/team")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => client.CreateKeyAsync(new CreateKeyRequest(), Ct));

        (await admin.DeleteAsync($"/accounts/{account}/principals/user/app")).Expect(HttpStatusCode.NoContent);
        // Its access key went with it (in Development an unknown key calls as the development root, so ask the store).
        Assert.False(Server.Services.GetRequiredService<KmsService.Identity.IdentityStore>().TryGet(id, out _));
        (await admin.GetAsync($"/accounts/{account}/principals/user/app")).ExpectError(HttpStatusCode.NotFound, "NoSuchEntityException");
    }

    [Fact]
    public async Task AccessKeys_AreLimitedToTwoAPrincipal()
    {
        var name = NewName();
        (await Admin.PostAsync($"/accounts/{Dev}/principals", $$"""{"type": "role", "name": "{{name}}"}""")).Expect(HttpStatusCode.Created);
        var keys = $"/accounts/{Dev}/principals/role/{name}/access-keys";
        (await Admin.PostAsync(keys)).Expect(HttpStatusCode.Created);
        (await Admin.PostAsync(keys)).Expect(HttpStatusCode.Created);
        (await Admin.PostAsync(keys)).ExpectError(HttpStatusCode.Conflict, "LimitExceededException");
    }

    [Fact]
    public async Task RootKeyStatusAndAuditVerification_AnswerWithoutTheKey()
    {
        var status = (await Admin.GetAsync("/root-key")).Expect(HttpStatusCode.OK);
        Assert.True(status.Json.GetProperty("matchesStore").GetBoolean());
        Assert.Matches("^[0-9a-f]{64}$", status.Text("keyCheckValue"));
        Assert.Equal(status.Text("keyCheckValue"), status.Text("storeKeyCheckValue"));
        var rootKey = Convert.FromBase64String((await File.ReadAllTextAsync(Path.Combine(Server.DataDir, "root.key"), Ct)).Trim());
        Assert.DoesNotContain(Convert.ToHexStringLower(rootKey), status.Body, StringComparison.Ordinal);

        var verified = (await Admin.PostAsync("/audit/verify")).Expect(HttpStatusCode.OK);
        Assert.True(verified.Json.GetProperty("valid").GetBoolean(), verified.Body);
        Assert.True(verified.Json.GetProperty("records").GetInt64() > 0);
    }

    [Fact]
    public async Task SwaggerUiAndOpenApiDocument_ArePublicAndListTheAdminPaths()
    {
        using var http = new HttpClient();
        using var ui = await http.GetAsync(new Uri(Server.Url, "/_kms/swagger"), Ct);
        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Equal("text/html", ui.Content.Headers.ContentType?.MediaType);
        Assert.Contains("swagger-ui", await ui.Content.ReadAsStringAsync(Ct), StringComparison.OrdinalIgnoreCase);
        var config = await http.GetStringAsync(new Uri(Server.Url, "/_kms/swagger/index.js"), Ct);
        Assert.Contains("/_kms/openapi/v1.json", config, StringComparison.Ordinal);

        var text = await http.GetStringAsync(new Uri(Server.Url, "/_kms/openapi/v1.json"), Ct);
        using var document = System.Text.Json.JsonDocument.Parse(text);
        var paths = document.RootElement.GetProperty("paths");
        var names = paths.EnumerateObject().Select(p => p.Name).ToList();
        Assert.All(names, p => Assert.StartsWith("/_kms/admin/", p, StringComparison.Ordinal));
        foreach (var expected in new[]
        {
            "/_kms/admin/accounts", "/_kms/admin/accounts/{accountId}/principals", "/_kms/admin/accounts/{accountId}/principals/{type}/{name}",
            "/_kms/admin/accounts/{accountId}/principals/{type}/{name}/access-keys", "/_kms/admin/accounts/{accountId}/principals/{type}/{name}/access-keys/{accessKeyId}",
            "/_kms/admin/accounts/{accountId}/principals/{type}/{name}/policies/{policyName}", "/_kms/admin/accounts/{accountId}/principals/{type}/{name}/tags",
            "/_kms/admin/root-key", "/_kms/admin/audit/verify",
        })
        {
            Assert.Contains(expected, names);
        }

        var operations = paths.EnumerateObject().SelectMany(p => p.Value.EnumerateObject()).Select(o => o.Value.GetProperty("operationId").GetString()!).ToHashSet();
        Assert.Equal(KmsService.Admin.AdminEndpoints.Actions.ToHashSet(), operations);
    }

    /// <summary>A user of the development account allowed every admin action everywhere.</summary>
    protected async Task<AdminClient> CreateServiceAdminAsync()
    {
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kmsadmin:*\""));
        return new AdminClient(Server.Url, id, secret);
    }

    protected static Task<EncryptResponse> EncryptAsync(AmazonKeyManagementServiceClient client, string keyId) =>
        client.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct);

    protected static async Task<TimeSpan> EventuallyAsync(Func<Task> action, TimeSpan limit)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await action();
                return watch.Elapsed;
            }
            catch (Exception) when (watch.Elapsed < limit)
            {
                await Task.Delay(10, Ct);
            }
        }
    }
}

[Collection("sqlite")]
public sealed class AdminApiTests_Sqlite(SqliteFixture fixture) : AdminApiTests(fixture)
{
    [Fact]
    public async Task AdminCalls_LoggedAtTrace_NeverLogTheSecret()
    {
        var logs = new LogCapture();
        await using var server = await KmsServer.StartAsync(seedFile: TestSeed.Write(), configure: logs.AddTo, extraArgs: ["--Logging:LogLevel:Default", "Trace"]);
        var admin = new AdminClient(server.Url);
        var (_, id, secret) = await admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kms:Encrypt\""));
        var key = (await server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await EncryptAsync(server.Client(id, secret), key.KeyId);

        Assert.NotEmpty(logs.Entries);
        Assert.Contains(logs.Entries, e => e.EventId == EventIds.AdminChange);
        Assert.DoesNotContain(logs.Entries, e => e.ToString().Contains(secret, StringComparison.Ordinal));
    }

    [Fact]
    public async Task SecretAccessKey_IsNotInTheSqliteFileBytes()
    {
        var (_, id, secret) = await Admin.CreateUserAsync(Dev, NewName(), AdminClient.Allow("\"kms:Encrypt\""));
        var bytes = new List<byte>();
        foreach (var file in Directory.GetFiles(Server.DataDir, DataFolder.DatabaseFile + "*"))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy, Ct);
            bytes.AddRange(copy.ToArray());
        }

        var text = Encoding.Latin1.GetString([.. bytes]);
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
    }
}

[Collection("postgres")]
public sealed class AdminApiTests_Postgres(PostgresFixture fixture) : AdminApiTests(fixture)
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task CreatedAndDeletedThroughOneInstance_TakesEffectOnTheOtherWithinSeconds()
    {
        // Unknown keys refused (not mapped to the development root), so that only a known key can succeed.
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:AllowUnknownAccessKeys", "false");
        var server = isolated.Server;
        await using var other = await KmsServer.StartAsync(
            isolated.ConnectionString, TestSeed.Write(), server.DataDir, extraArgs: ["--Kms:AllowUnknownAccessKeys", "false"]);
        foreach (var instance in new[] { server, other })
        {
            var feed = instance.Services.GetRequiredService<ChangeFeed>();
            await EventuallyAsync(() => feed.IsListening ? Task.CompletedTask : throw new InvalidOperationException("not listening"), TimeSpan.FromSeconds(15));
        }

        var admin = new AdminClient(server.Url);
        var key = (await server.Client().CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        // Made through this instance: the other has never seen the key id, and learns it from the change feed.
        var name = NewName();
        var (_, id, secret) = await admin.CreateUserAsync(Dev, name, AdminClient.Allow("\"kms:Encrypt\""));
        await EncryptAsync(server.Client(id, secret), key.KeyId);
        var elapsed = await EventuallyAsync(() => EncryptAsync(other.Client(id, secret), key.KeyId), Within);
        Assert.True(elapsed < Within, $"the other instance accepted the new key only after {elapsed}");

        // Deleted through the other instance: refused here at once... and there.
        (await new AdminClient(other.Url).DeleteAsync($"/accounts/{Dev}/principals/user/{name}/access-keys/{id}")).Expect(HttpStatusCode.NoContent);
        var atOnce = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(other.Client(id, secret), key.KeyId));
        Assert.Equal("UnrecognizedClientException", atOnce.ErrorCode);
        var refused = await EventuallyAsync(
            async () =>
            {
                try
                {
                    await EncryptAsync(server.Client(id, secret), key.KeyId);
                }
                catch (AmazonKeyManagementServiceException e) when (e.ErrorCode == "UnrecognizedClientException")
                {
                    return;
                }

                throw new InvalidOperationException("still accepted");
            },
            Within);
        Assert.True(refused < Within, $"this instance refused the deleted key only after {refused}");
    }
}
