using KmsService.Protocol;

namespace KmsService.Audit.Records;

/// <summary>CloudTrail's <c>eventType</c> for KMS.</summary>
internal enum AuditEventType
{
    /// <summary>A call someone made (<c>AwsApiCall</c>).</summary>
    ApiCall,

    /// <summary>What the service did on its own: rotation, deletion, reset (<c>AwsServiceEvent</c>).</summary>
    ServiceEvent,
}

/// <summary>
/// What the request side captures of one call: references to strings and projections that already exist, so that
/// building it allocates nothing. The writer turns it into CloudTrail's JSON (<see cref="CloudTrailRecordWriter"/>).
/// <see cref="Caller"/> is null when the caller is unknown (authentication failed); <see cref="RequestParameters"/>
/// is null when the body could not be read.
/// </summary>
internal readonly record struct AuditEvent(
    Guid EventId,
    DateTimeOffset EventTime,
    string EventName,
    AuditEventType EventType,
    string RequestId,
    string AwsRegion,
    CallContext? Caller,
    string? SourceIpAddress,
    string? UserAgent,
    AuditParameters? RequestParameters,
    AuditParameters? ResponseElements,
    string? ErrorCode,
    string? ErrorMessage,
    string? KeyArn,
    string? SecondKeyArn,
    bool ReadOnly)
{
    /// <summary>A service event's <c>serviceEventDetails</c>.</summary>
    public IReadOnlyDictionary<string, string>? ServiceEventDetails { get; init; }

    /// <summary>When <see cref="Caller"/> is null: the known access key the request named, unverified (its signature
    /// failed), and that key's account, whose trail then holds the record.</summary>
    public (string AccessKeyId, string AccountId)? NamedKey { get; init; }

    /// <summary>CloudTrail's <c>eventSource</c> of KMS calls.</summary>
    public const string KmsEventSource = "kms.amazonaws.com";

    /// <summary>CloudTrail's <c>eventSource</c>: KMS's, or <c>cloudtrail.amazonaws.com</c> for the LookupEvents calls
    /// this endpoint also serves.</summary>
    public string EventSource { get; init; } = KmsEventSource;

    /// <summary>The account whose trail holds the record: the caller's, else that of the access key the request named,
    /// else the key's, else none.</summary>
    public string? RecipientAccountId => Caller?.AccountId ?? NamedKey?.AccountId ?? AccountOf(KeyArn);

    /// <summary>The account of a key ARN (<c>arn:partition:kms:region:account:key/id</c>).</summary>
    public static string? AccountOf(string? arn)
    {
        if (arn is null)
        {
            return null;
        }

        var parts = arn.Split(':', 6);
        return parts.Length == 6 ? parts[4] : null;
    }
}
