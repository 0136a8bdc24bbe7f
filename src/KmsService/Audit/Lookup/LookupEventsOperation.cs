using System.Text;
using System.Text.Json;
using KmsService.Protocol;

namespace KmsService.Audit.Lookup;

/// <summary>CloudTrail LookupEvents over this service's audit records: the caller's account only, newest first, at most
/// one lookup attribute, pages of up to 50 with an authenticated NextToken. Insights events are never recorded here, so
/// EventCategory <c>insight</c> finds none.</summary>
internal sealed class LookupEventsOperation(LookupAuthorization authorization, AuditRecordReader records, LookupPageTokens tokens)
{
    public const string Name = "LookupEvents";

    public async Task<LookupEventsResponse> ExecuteAsync(LookupEventsRequest request, CallContext call, CancellationToken ct)
    {
        authorization.Demand(call);
        var query = LookupQuery.Of(request);
        var after = request.NextToken is { } token ? tokens.Open(call.AccountId, query, token) : (LookupCursor?)null;
        if (query.Insight)
        {
            return new LookupEventsResponse([], null);
        }

        // One more than a page tells whether another page follows.
        var found = await records.ReadAsync(call.AccountId, query, after, query.MaxResults + 1, ct);
        var page = found.Count > query.MaxResults ? found.GetRange(0, query.MaxResults) : found;
        var events = page.ConvertAll(ToEvent);
        string? nextToken = null;
        if (found.Count > query.MaxResults)
        {
            var last = page[^1];
            nextToken = tokens.Issue(call.AccountId, query, new LookupCursor(UnixMs(last.EventTime), last.Sequence));
        }

        return new LookupEventsResponse(events, nextToken);
    }

    private static LookupEvent ToEvent(StoredRecord record) => new(
        record.EventId,
        record.EventName,
        record.ReadOnly ? "true" : "false",
        record.AccessKeyId,
        UnixMs(record.EventTime) / 1000,
        record.EventSource,
        record.Username,
        Resources(record.RecordJson),
        Encoding.UTF8.GetString(record.RecordJson));

    /// <summary>The record's <c>resources</c> (<c>{accountId, type, ARN}</c>) as LookupEvents' Resources: the row keeps
    /// only the first key, the record names every key (ReEncrypt names two).</summary>
    internal static IReadOnlyList<LookupResource> Resources(byte[] recordJson)
    {
        using var document = JsonDocument.Parse(recordJson);
        if (!document.RootElement.TryGetProperty("resources", out var resources) || resources.ValueKind != JsonValueKind.Array)
        {
            return [];
        }

        var list = new List<LookupResource>(resources.GetArrayLength());
        foreach (var resource in resources.EnumerateArray())
        {
            list.Add(new LookupResource(StringOf(resource, "type"), StringOf(resource, "ARN")));
        }

        return list;
    }

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    // SQLite hands back DateTimeKind.Unspecified: the stored value is UTC either way.
    private static long UnixMs(DateTime time) =>
        (DateTime.SpecifyKind(time, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;
}
