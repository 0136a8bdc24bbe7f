using System.Text.Json.Serialization;
using KmsService.Protocol;

namespace KmsService.Audit.Lookup;

/// <summary>CloudTrail's LookupEventsRequest. Timestamps are read as the numbers AWS JSON 1.1 sends (epoch seconds,
/// possibly fractional) and range-checked by <see cref="LookupQuery"/>, so that an absurd value is the model's
/// InvalidTimeRangeException rather than a failure to read.</summary>
internal sealed record LookupEventsRequest(
    IReadOnlyList<LookupAttribute>? LookupAttributes,
    double? StartTime,
    double? EndTime,
    string? EventCategory,
    int? MaxResults,
    string? NextToken);

/// <summary>CloudTrail's LookupAttribute.</summary>
internal sealed record LookupAttribute(string? AttributeKey, string? AttributeValue);

/// <summary>CloudTrail's LookupEventsResponse: newest event first; NextToken only when there are more.</summary>
internal sealed record LookupEventsResponse(IReadOnlyList<LookupEvent> Events, string? NextToken);

/// <summary>CloudTrail's Event: the record's lookup fields beside the whole record as a JSON string.</summary>
internal sealed record LookupEvent(
    string EventId,
    string EventName,
    string ReadOnly,
    string? AccessKeyId,
    long EventTime,
    string EventSource,
    string? Username,
    IReadOnlyList<LookupResource> Resources,
    string CloudTrailEvent);

/// <summary>CloudTrail's Resource.</summary>
internal sealed record LookupResource(string? ResourceType, string? ResourceName);

/// <summary>Source-generated (de)serialisers of the LookupEvents shapes, with the KMS endpoint's request rules (no null
/// list elements, no U+0000 in strings) and absent members omitted.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    RespectNullableAnnotations = true,
    Converters = [typeof(RequestStringConverter), typeof(RequestListConverter<LookupAttribute>)])]
[JsonSerializable(typeof(LookupEventsRequest))]
[JsonSerializable(typeof(LookupEventsResponse))]
internal sealed partial class LookupJsonContext : JsonSerializerContext;
