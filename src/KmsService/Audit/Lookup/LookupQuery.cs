using System.Globalization;

namespace KmsService.Audit.Lookup;

/// <summary>CloudTrail's LookupAttributeKey enum.</summary>
internal enum LookupAttributeKey
{
    EventId,
    EventName,
    ReadOnly,
    Username,
    ResourceType,
    ResourceName,
    EventSource,
    AccessKeyId,
}

/// <summary>
/// A LookupEvents request once validated, in the model's limits and with CloudTrail's error codes: at most one lookup
/// attribute (the model's list "can contain only one item"), its value 1..2000 characters where '_', ' ', ',' and
/// newline count twice; a start time not after the end time; EventCategory only <c>insight</c>, which allows only
/// EventId, EventName and EventSource; MaxResults 1..50, default 50.
/// </summary>
/// <param name="From">Inclusive lower bound, UTC, whole seconds; null for none.</param>
/// <param name="Before">Exclusive upper bound, UTC, whole seconds; null for none.</param>
internal sealed record LookupQuery(
    LookupAttributeKey? Key,
    string? Value,
    DateTime? From,
    DateTime? Before,
    bool Insight,
    int MaxResults)
{
    public const int DefaultMaxResults = 50;
    public const int MaxAttributeValueLength = 2000;

    // The widest time a timestamp may name (DateTime's range); anything beyond is "outside the range of possible values".
    private static readonly double MaxEpochSeconds = (DateTime.MaxValue - DateTime.UnixEpoch).TotalSeconds - 1;

    public static LookupQuery Of(LookupEventsRequest request)
    {
        var attributes = request.LookupAttributes ?? [];
        if (attributes.Count > 1)
        {
            throw new InvalidLookupAttributesException("Only one lookup attribute is supported; the request specifies "
                + attributes.Count.ToString(CultureInfo.InvariantCulture) + ".");
        }

        LookupAttributeKey? key = null;
        string? value = null;
        if (attributes.Count == 1)
        {
            var attribute = attributes[0];
            if (!TryParseKey(attribute.AttributeKey, out var parsed))
            {
                throw new InvalidLookupAttributesException("Lookup attribute key is not valid. Valid keys are EventId, EventName, "
                    + "ReadOnly, Username, ResourceType, ResourceName, EventSource and AccessKeyId.");
            }

            if (attribute.AttributeValue is null || attribute.AttributeValue.Length == 0 || Weight(attribute.AttributeValue) > MaxAttributeValueLength)
            {
                throw new InvalidLookupAttributesException("Lookup attribute value is not valid. It must be 1 to 2000 characters "
                    + "long, where '_', ' ', ',' and a newline each count as two.");
            }

            key = parsed;
            value = attribute.AttributeValue;
        }

        var insight = false;
        if (request.EventCategory is { } category)
        {
            if (!string.Equals(category, "insight", StringComparison.Ordinal))
            {
                throw new InvalidEventCategoryException("Event category is not valid. The only valid event category is insight.");
            }

            insight = true;
            if (key is not (null or LookupAttributeKey.EventId or LookupAttributeKey.EventName or LookupAttributeKey.EventSource))
            {
                throw new InvalidLookupAttributesException(
                    "Lookup attribute key is not valid for Insights events. Valid keys are EventId, EventName and EventSource.");
            }
        }

        var start = Time(request.StartTime, nameof(request.StartTime));
        var end = Time(request.EndTime, nameof(request.EndTime));
        if (start is not null && end is not null && start > end)
        {
            throw new InvalidTimeRangeException("The start time must not be after the end time.");
        }

        var maxResults = request.MaxResults ?? DefaultMaxResults;
        if (maxResults is < 1 or > DefaultMaxResults)
        {
            throw new InvalidMaxResultsException("A max results value of " + maxResults.ToString(CultureInfo.InvariantCulture)
                + " is invalid. Specify max results between 1 and 50.");
        }

        // CloudTrail's eventTime is whole seconds: an event is in the range when its second is, so the bounds are
        // rounded out to seconds (the stored time keeps milliseconds, for order only).
        return new LookupQuery(
            key,
            value,
            start is { } s ? Ceiling(s) : null,
            end is { } e ? Floor(e).AddSeconds(1) : null,
            insight,
            maxResults);
    }

    // The model's names exactly (Enum.TryParse would also take numbers and comma-separated lists).
    private static bool TryParseKey(string? name, out LookupAttributeKey key)
    {
        foreach (var candidate in Enum.GetValues<LookupAttributeKey>())
        {
            if (string.Equals(name, candidate.ToString(), StringComparison.Ordinal))
            {
                key = candidate;
                return true;
            }
        }

        key = default;
        return false;
    }

    // CloudTrail API Reference, LookupAttribute: "The following characters ('_', ' ', ',', '\n') count as two characters
    // towards the 2000 character limit."
    private static int Weight(string value)
    {
        var weight = value.Length;
        foreach (var c in value)
        {
            if (c is '_' or ' ' or ',' or '\n')
            {
                weight++;
            }
        }

        return weight;
    }

    private static DateTime? Time(double? seconds, string member)
    {
        if (seconds is not { } value)
        {
            return null;
        }

        if (double.IsNaN(value) || value < 0 || value > MaxEpochSeconds)
        {
            throw new InvalidTimeRangeException($"The {member} is outside the range of possible values.");
        }

        return DateTime.UnixEpoch.AddTicks((long)Math.Round(value * TimeSpan.TicksPerSecond));
    }

    private static DateTime Floor(DateTime time) => new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);

    private static DateTime Ceiling(DateTime time)
    {
        var floor = Floor(time);
        return floor == time ? floor : floor.AddSeconds(1);
    }
}
