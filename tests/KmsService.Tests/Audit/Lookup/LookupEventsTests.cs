using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using KmsService.Audit.Store;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Audit.Lookup;

/// <summary>CloudTrail LookupEvents on the KMS endpoint, over records appended through the store's writer. Each test
/// works in a time window of its own, in the past (far from the records live calls append), and names its own users.</summary>
public abstract class LookupEventsTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string Account = "111122223333";
    private const string DevAccount = "000000000000";
    private const string KeyA = "arn:aws:kms:us-east-1:111122223333:key/aaaaaaaa-0000-4000-8000-000000000001";
    private const string KeyB = "arn:aws:kms:us-east-1:111122223333:key/bbbbbbbb-0000-4000-8000-000000000002";

    private static int _window;

    private CloudTrailCalls Auditor => new(Server.Url, TestSeed.AuditorAccessKey, TestSeed.AuditorSecret);

    [Fact]
    public async Task LookupEvents_ByEachAttribute_ReturnsOnlyTheMatchingEvent()
    {
        var t0 = NewWindow();
        var a = await AppendAsync(Account, t0.AddMinutes(1), "Encrypt", "alice-" + Tag(), "AKIAAAAAAAAAAAAAAAA1", KeyA, readOnly: false,
            eventSource: "kms.amazonaws.com");
        var b = await AppendAsync(Account, t0.AddMinutes(2), "DescribeKey", "bob-" + Tag(), "AKIABBBBBBBBBBBBBBB2", KeyB, readOnly: true,
            eventSource: "cloudtrail.amazonaws.com", resourceType: "AWS::CloudTrail::Other");
        var window = Window(t0, t0.AddMinutes(10));

        foreach (var (key, value, expected) in new[]
        {
            ("EventId", a.EventId, a), ("EventName", "Encrypt", a), ("ReadOnly", "true", b), ("Username", b.Username!, b),
            ("ResourceType", "AWS::KMS::Key", a), ("ResourceName", KeyB, b), ("EventSource", "cloudtrail.amazonaws.com", b),
            ("AccessKeyId", a.AccessKeyId!, a),
        })
        {
            var request = Attribute(window, key, value);
            var events = (await Auditor.LookupAsync(request, Ct))["Events"]!.AsArray();
            Assert.True(events.Count == 1, $"{key}={value}: {events.Count} events");
            Assert.Equal(expected.EventId, (string?)events[0]!["EventId"]);
        }

        var none = await Auditor.LookupAsync(Attribute(window, "ReadOnly", "TRUE"), Ct);
        Assert.Empty(none["Events"]!.AsArray());
    }

    [Fact]
    public async Task LookupEvents_Event_CarriesTheRecordAndItsResources()
    {
        var t0 = NewWindow();
        var entry = await AppendAsync(Account, t0.AddSeconds(5).AddMilliseconds(250), "ReEncrypt", "alice-" + Tag(), "AKIAAAAAAAAAAAAAAAA1",
            KeyA, readOnly: false, secondKey: KeyB);

        var response = await Auditor.LookupAsync(Window(t0, t0.AddMinutes(1)), Ct);

        var e = Assert.Single(response["Events"]!.AsArray())!.AsObject();
        Assert.Equal(entry.EventId, (string?)e["EventId"]);
        Assert.Equal("ReEncrypt", (string?)e["EventName"]);
        Assert.Equal("false", (string?)e["ReadOnly"]);
        Assert.Equal(entry.AccessKeyId, (string?)e["AccessKeyId"]);
        Assert.Equal(entry.Username, (string?)e["Username"]);
        Assert.Equal("kms.amazonaws.com", (string?)e["EventSource"]);
        Assert.Equal(t0.AddSeconds(5).ToUnixTimeSeconds(), (long)e["EventTime"]!);
        Assert.Equal(Encoding.UTF8.GetString(entry.RecordJson.Span), (string?)e["CloudTrailEvent"]);
        var resources = e["Resources"]!.AsArray();
        Assert.Equal([KeyA, KeyB], resources.Select(r => (string?)r!["ResourceName"]));
        Assert.All(resources, r => Assert.Equal("AWS::KMS::Key", (string?)r!["ResourceType"]));
        Assert.False(response.ContainsKey("NextToken"));
    }

    [Fact]
    public async Task LookupEvents_TimeRange_IsInclusiveToTheSecondAndNewestFirst()
    {
        var t0 = NewWindow();
        var user = "range-" + Tag();
        var before = await AppendAsync(Account, t0.AddSeconds(9).AddMilliseconds(999), "Encrypt", user);
        var first = await AppendAsync(Account, t0.AddSeconds(10).AddMilliseconds(500), "Encrypt", user);
        var middle = await AppendAsync(Account, t0.AddSeconds(15), "Decrypt", user);
        var last = await AppendAsync(Account, t0.AddSeconds(20).AddMilliseconds(900), "Encrypt", user);
        var after = await AppendAsync(Account, t0.AddSeconds(21), "Encrypt", user);

        var request = Attribute(Window(t0.AddSeconds(10), t0.AddSeconds(20)), "Username", user);
        var events = (await Auditor.LookupAsync(request, Ct))["Events"]!.AsArray();

        Assert.Equal([last.EventId, middle.EventId, first.EventId], events.Select(e => (string?)e!["EventId"]));
        Assert.DoesNotContain(before.EventId, events.Select(e => (string?)e!["EventId"]));
        Assert.DoesNotContain(after.EventId, events.Select(e => (string?)e!["EventId"]));

        // Without a time range every stored event of the account matches.
        var all = (await Auditor.LookupAsync(new JsonObject { ["LookupAttributes"] = Attributes("Username", user) }, Ct))["Events"]!.AsArray();
        Assert.Equal(5, all.Count);
    }

    [Fact]
    public async Task LookupEvents_Paging_WalksEveryEventOnceWithNextToken()
    {
        var t0 = NewWindow();
        var user = "pages-" + Tag();
        var ids = new List<string>();
        for (var i = 0; i < 7; i++)
        {
            // Two events share each second, so the order within a second (the chain's) matters too.
            ids.Add((await AppendAsync(Account, t0.AddSeconds(i / 2), "Encrypt", user)).EventId);
        }

        var request = Attribute(Window(t0, t0.AddMinutes(1)), "Username", user);
        request["MaxResults"] = 3;
        var seen = new List<string>();
        var pages = new List<int>();
        string? token = null;
        do
        {
            var page = (JsonObject)request.DeepClone();
            if (token is not null)
            {
                page["NextToken"] = token;
            }

            var response = await Auditor.LookupAsync(page, Ct);
            var events = response["Events"]!.AsArray();
            pages.Add(events.Count);
            seen.AddRange(events.Select(e => (string)e!["EventId"]!));
            token = (string?)response["NextToken"];
        }
        while (token is not null);

        Assert.Equal([3, 3, 1], pages);
        ids.Reverse();
        Assert.Equal(ids, seen);
    }

    [Fact]
    public async Task LookupEvents_NextTokenOfAnotherQueryOrAccountOrAltered_ThrowsInvalidNextToken()
    {
        var t0 = NewWindow();
        var user = "token-" + Tag();
        for (var i = 0; i < 3; i++)
        {
            await AppendAsync(Account, t0.AddSeconds(i), "Encrypt", user);
            await AppendAsync(DevAccount, t0.AddSeconds(i), "Encrypt", user);
        }

        var request = Attribute(Window(t0, t0.AddMinutes(1)), "Username", user);
        request["MaxResults"] = 1;
        var token = (string)(await Auditor.LookupAsync(request, Ct))["NextToken"]!;

        // The same query with another page size goes on from the token.
        var next = (JsonObject)request.DeepClone();
        next["NextToken"] = token;
        next["MaxResults"] = 50;
        Assert.Equal(2, (await Auditor.LookupAsync(next, Ct))["Events"]!.AsArray().Count);

        var otherQuery = Attribute(Window(t0, t0.AddMinutes(2)), "Username", user);
        otherQuery["NextToken"] = token;
        Assert.Equal("InvalidNextTokenException", (await Auditor.LookupErrorAsync(otherQuery, Ct)).Type);

        var otherAccount = (JsonObject)next.DeepClone();
        Assert.Equal("InvalidNextTokenException", (await new CloudTrailCalls(Server.Url).LookupErrorAsync(otherAccount, Ct)).Type);

        var bytes = Convert.FromBase64String(token);
        bytes[5] ^= 1;
        var altered = (JsonObject)request.DeepClone();
        altered["NextToken"] = Convert.ToBase64String(bytes);
        var (type, message) = await Auditor.LookupErrorAsync(altered, Ct);
        Assert.Equal("InvalidNextTokenException", type);
        Assert.Contains("same parameters", message, StringComparison.Ordinal);

        altered["NextToken"] = "not a token";
        Assert.Equal("InvalidNextTokenException", (await Auditor.LookupErrorAsync(altered, Ct)).Type);
    }

    [Fact]
    public async Task LookupEvents_MaxResults_DefaultsTo50AndMustBe1To50()
    {
        var t0 = NewWindow();
        var user = "max-" + Tag();
        for (var i = 0; i < 51; i++)
        {
            await AppendAsync(Account, t0.AddSeconds(i), "Encrypt", user);
        }

        var request = Attribute(Window(t0, t0.AddMinutes(5)), "Username", user);
        var response = await Auditor.LookupAsync(request, Ct);
        Assert.Equal(50, response["Events"]!.AsArray().Count);
        Assert.NotNull((string?)response["NextToken"]);

        request["MaxResults"] = 1;
        Assert.Single((await Auditor.LookupAsync(request, Ct))["Events"]!.AsArray());

        foreach (var invalid in new[] { 0, 51, -1 })
        {
            request["MaxResults"] = invalid;
            var (type, message) = await Auditor.LookupErrorAsync(request, Ct);
            Assert.Equal("InvalidMaxResultsException", type);
            Assert.Equal($"A max results value of {invalid} is invalid. Specify max results between 1 and 50.", message);
        }
    }

    [Fact]
    public async Task LookupEvents_InvalidInput_ThrowsCloudTrailsErrors()
    {
        var twoAttributes = new JsonObject
        {
            ["LookupAttributes"] = new JsonArray(
                new JsonObject { ["AttributeKey"] = "Username", ["AttributeValue"] = "a" },
                new JsonObject { ["AttributeKey"] = "EventName", ["AttributeValue"] = "Encrypt" }),
        };
        Assert.Equal("InvalidLookupAttributesException", (await Auditor.LookupErrorAsync(twoAttributes, Ct)).Type);
        Assert.Equal("InvalidLookupAttributesException", (await Auditor.LookupErrorAsync(
            new JsonObject { ["LookupAttributes"] = Attributes("UserName", "a") }, Ct)).Type);
        Assert.Equal("InvalidLookupAttributesException", (await Auditor.LookupErrorAsync(
            new JsonObject { ["LookupAttributes"] = Attributes("Username", string.Empty) }, Ct)).Type);

        // '_' counts twice towards the 2000-character limit.
        Assert.Equal("InvalidLookupAttributesException", (await Auditor.LookupErrorAsync(
            new JsonObject { ["LookupAttributes"] = Attributes("Username", new string('_', 1001)) }, Ct)).Type);
        await Auditor.LookupAsync(new JsonObject { ["LookupAttributes"] = Attributes("Username", new string('_', 1000)) }, Ct);

        var now = DateTimeOffset.UtcNow;
        var (type, _) = await Auditor.LookupErrorAsync(Window(now, now.AddSeconds(-1)), Ct);
        Assert.Equal("InvalidTimeRangeException", type);
        Assert.Equal("InvalidTimeRangeException", (await Auditor.LookupErrorAsync(new JsonObject { ["StartTime"] = 1e300 }, Ct)).Type);

        Assert.Equal("InvalidEventCategoryException", (await Auditor.LookupErrorAsync(new JsonObject { ["EventCategory"] = "management" }, Ct)).Type);
        Assert.Equal("InvalidLookupAttributesException", (await Auditor.LookupErrorAsync(
            new JsonObject { ["EventCategory"] = "insight", ["LookupAttributes"] = Attributes("Username", "a") }, Ct)).Type);

        // No Insights events are recorded here.
        var insight = await Auditor.LookupAsync(new JsonObject { ["EventCategory"] = "insight", ["LookupAttributes"] = Attributes("EventName", "Encrypt") }, Ct);
        Assert.Empty(insight["Events"]!.AsArray());

        Assert.Equal("SerializationException", (await Auditor.ErrorAsync("LookupEvents", "{\"StartTime\": \"yesterday\"}", Ct)).Type);
    }

    [Fact]
    public async Task LookupEvents_OfAnAccount_ReturnsOnlyItsOwnEvents()
    {
        var t0 = NewWindow();
        var user = "shared-" + Tag();
        var mine = await AppendAsync(Account, t0.AddSeconds(1), "Encrypt", user);
        var theirs = await AppendAsync(DevAccount, t0.AddSeconds(2), "Encrypt", user);
        var request = Attribute(Window(t0, t0.AddMinutes(1)), "Username", user);

        var auditorSees = (await Auditor.LookupAsync(request, Ct))["Events"]!.AsArray();
        var devRootSees = (await new CloudTrailCalls(Server.Url).LookupAsync(request, Ct))["Events"]!.AsArray();

        Assert.Equal(mine.EventId, (string?)Assert.Single(auditorSees)!["EventId"]);
        Assert.Equal(theirs.EventId, (string?)Assert.Single(devRootSees)!["EventId"]);
    }

    [Fact]
    public async Task LookupEvents_WithoutAnIdentityPolicyAllowingIt_ThrowsAccessDenied()
    {
        var alice = new CloudTrailCalls(Server.Url, TestSeed.AliceAccessKey, TestSeed.AliceSecret);

        var (type, message) = await alice.LookupErrorAsync([], Ct);

        Assert.Equal("AccessDeniedException", type);
        Assert.Equal($"User: {TestSeed.AliceArn} is not authorized to perform: cloudtrail:LookupEvents because no identity-based "
            + "policy allows the cloudtrail:LookupEvents action", message);

        // Denied before the input is looked at, as AWS authorizes first.
        Assert.Equal("AccessDeniedException", (await alice.LookupErrorAsync(new JsonObject { ["MaxResults"] = 0 }, Ct)).Type);

        // The auditor's policy allows it; a root user needs none.
        await Auditor.LookupAsync([], Ct);
        await new CloudTrailCalls(Server.Url).LookupAsync([], Ct);
    }

    [Fact]
    public async Task OtherCloudTrailOperations_AnswerUnsupportedOperation()
    {
        var root = new CloudTrailCalls(Server.Url);
        foreach (var operation in new[] { "DescribeTrails", "CreateTrail", "StartLogging", "ListEventDataStores" })
        {
            var (type, message) = await root.ErrorAsync(operation, "{}", Ct);
            Assert.Equal("UnsupportedOperationException", type);
            Assert.Contains(operation, message, StringComparison.Ordinal);
        }

        Assert.Equal("UnknownOperationException", (await root.ErrorAsync("LookupEverything", "{}", Ct)).Type);
    }

    [Fact]
    public async Task Signature_ScopedToTheOtherService_IsRefused()
    {
        var root = new CloudTrailCalls(Server.Url);

        var (type, message) = await root.ErrorAsync("LookupEvents", "{}", Ct, service: "kms");
        Assert.Equal("InvalidSignatureException", type);
        Assert.Contains("Credential should be scoped to correct service: 'cloudtrail'", message, StringComparison.Ordinal);

        var kms = await RawKmsRequest.ForTarget(Server.Url, "TrentService.ListKeys", "{}", "cloudtrail").Sign().SendAsync(Ct);
        Assert.Equal("InvalidSignatureException", kms.Type);
        Assert.Contains("Credential should be scoped to correct service: 'kms'", kms.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LookupEvents_BeyondTwoPerSecond_ThrowsThrottling()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:RateLimits:Enabled", "true");
        var root = new CloudTrailCalls(isolated.Server.Url);
        var outcomes = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            var (status, body) = await root.SendAsync("LookupEvents", "{}", Ct);
            outcomes.Add(status == System.Net.HttpStatusCode.OK ? "ok" : JsonNode.Parse(body)!["__type"]!.GetValue<string>());
        }

        Assert.Contains("ThrottlingException", outcomes);
        Assert.InRange(outcomes.Count(o => o == "ok"), 2, 4);

        // KMS's quotas are their own.
        await isolated.Server.Client().ListKeysAsync(new Amazon.KeyManagementService.Model.ListKeysRequest(), Ct);
    }

    // A day of its own for each test, in 2021-2022: far from live records and from every other test's.
    private static DateTimeOffset NewWindow() =>
        new DateTimeOffset(2021, 1, 1, 0, 0, 0, TimeSpan.Zero).AddDays(Interlocked.Increment(ref _window));

    private static string Tag() => Guid.NewGuid().ToString("N")[..12];

    private static JsonObject Window(DateTimeOffset start, DateTimeOffset end) => new()
    {
        ["StartTime"] = start.ToUnixTimeMilliseconds() / 1000m,
        ["EndTime"] = end.ToUnixTimeMilliseconds() / 1000m,
    };

    private static JsonObject Attribute(JsonObject window, string key, string value)
    {
        var request = (JsonObject)window.DeepClone();
        request["LookupAttributes"] = Attributes(key, value);
        return request;
    }

    private static JsonArray Attributes(string key, string value) =>
        [new JsonObject { ["AttributeKey"] = key, ["AttributeValue"] = value }];

    private async Task<AuditEntry> AppendAsync(
        string account, DateTimeOffset time, string eventName, string? username, string? accessKeyId = "AKIAAAAAAAAAAAAAAAA1",
        string? key = null, bool readOnly = false, string eventSource = "kms.amazonaws.com", string? resourceType = null,
        string? secondKey = null)
    {
        var eventId = Guid.NewGuid().ToString("D");
        var resources = new JsonArray();
        foreach (var arn in new[] { key, secondKey }.OfType<string>())
        {
            resources.Add(new JsonObject { ["accountId"] = account, ["type"] = "AWS::KMS::Key", ["ARN"] = arn });
        }

        var record = new JsonObject
        {
            ["eventVersion"] = "1.11",
            ["eventTime"] = time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["eventSource"] = eventSource,
            ["eventName"] = eventName,
            ["eventID"] = eventId,
            ["readOnly"] = readOnly,
            ["resources"] = key is null ? null : resources,
            ["recipientAccountId"] = account,
        };
        var entry = new AuditEntry(eventId, time, account, null, eventName, username, accessKeyId,
            key is null ? null : resourceType ?? "AWS::KMS::Key", key, readOnly, eventSource, Encoding.UTF8.GetBytes(record.ToJsonString()));
        await Server.Services.GetRequiredService<AuditWriter>().AppendAsync(entry, Ct);
        return entry;
    }
}

[Collection("sqlite")]
public sealed class LookupEventsTests_Sqlite(SqliteFixture f) : LookupEventsTests(f);

[Collection("postgres")]
public sealed class LookupEventsTests_Postgres(PostgresFixture f) : LookupEventsTests(f);
