using System.Text.Json.Serialization;

namespace KmsService.Audit.Records;

/// <summary>One CloudTrail record of a KMS event, members in the order CloudTrail writes them (KMS Developer Guide,
/// "Examples of AWS KMS log entries"; CloudTrail User Guide, "CloudTrail record contents").</summary>
internal sealed record CloudTrailRecord
{
    /// <summary>The record format CloudTrail logs KMS events in today.</summary>
    public const string CurrentEventVersion = "1.11";

    public string EventVersion { get; init; } = CurrentEventVersion;
    public required CloudTrailUserIdentity UserIdentity { get; init; }
    public required string EventTime { get; init; }
    public string EventSource { get; init; } = AuditEvent.KmsEventSource;
    public required string EventName { get; init; }
    public required string AwsRegion { get; init; }
    [JsonPropertyName("sourceIPAddress")]
    public string? SourceIPAddress { get; init; }
    public string? UserAgent { get; init; }
    public string? ErrorCode { get; init; }
    public string? ErrorMessage { get; init; }

    // CloudTrail writes both even when there are none ("responseElements": null).
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public AuditParameters? RequestParameters { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)]
    public AuditParameters? ResponseElements { get; init; }
    public AuditAdditionalEventData? AdditionalEventData { get; init; }

    /// <summary>Null for what no request caused (a rotation or deletion the service did on its own).</summary>
    [JsonPropertyName("requestID")]
    public string? RequestId { get; init; }
    [JsonPropertyName("eventID")]
    public required string EventId { get; init; }
    public bool ReadOnly { get; init; }
    public IReadOnlyList<CloudTrailResource>? Resources { get; init; }
    public required string EventType { get; init; }
    public bool ManagementEvent { get; init; } = true;
    public string? RecipientAccountId { get; init; }

    /// <summary>Set on each account's copy of a cross-account call: the same in every copy (CloudTrail's
    /// <c>sharedEventID</c>).</summary>
    [JsonPropertyName("sharedEventID")]
    public string? SharedEventId { get; init; }

    /// <summary>What a service event did (<c>AwsServiceEvent</c> only), e.g. <c>{"rotationType":"AUTOMATIC","keyId":…}</c>.</summary>
    public IReadOnlyDictionary<string, string>? ServiceEventDetails { get; init; }
    public string EventCategory { get; init; } = "Management";

    /// <summary>Only for calls over HTTPS (ct-encrypt: <c>tlsVersion</c>, <c>cipherSuite</c>,
    /// <c>clientProvidedHostHeader</c>).</summary>
    public CloudTrailTlsDetails? TlsDetails { get; init; }

    /// <summary>This record as the copy held by <paramref name="recipientAccountId"/>'s trail.</summary>
    public CloudTrailRecord With(string eventId, string recipientAccountId, string sharedEventId) =>
        this with { EventId = eventId, RecipientAccountId = recipientAccountId, SharedEventId = sharedEventId };
}

/// <summary>CloudTrail's <c>userIdentity</c> element.</summary>
internal sealed class CloudTrailUserIdentity
{
    /// <summary>Absent on service events, where <see cref="InvokedBy"/> names the service.</summary>
    public string? Type { get; init; }
    public string? PrincipalId { get; init; }
    public string? Arn { get; init; }
    public string? AccountId { get; init; }
    public string? AccessKeyId { get; init; }
    public string? UserName { get; init; }
    public string? InvokedBy { get; init; }
    public CloudTrailSessionContext? SessionContext { get; init; }
}

/// <summary>CloudTrail's <c>userIdentity.sessionContext</c> (CloudTrail User Guide, "CloudTrail userIdentity
/// element"): who issued the session, and its attributes.</summary>
internal sealed class CloudTrailSessionContext
{
    public CloudTrailSessionIssuer? SessionIssuer { get; init; }
    public CloudTrailSessionAttributes? Attributes { get; init; }
}

/// <summary>CloudTrail's <c>sessionContext.sessionIssuer</c>: the role whose session made the call.</summary>
internal sealed class CloudTrailSessionIssuer
{
    public string Type { get; init; } = "Role";
    public string? PrincipalId { get; init; }
    public string? Arn { get; init; }
    public string? AccountId { get; init; }
    public string? UserName { get; init; }
}

/// <summary>CloudTrail's <c>sessionContext.attributes</c>; CloudTrail writes both as strings.</summary>
internal sealed class CloudTrailSessionAttributes
{
    public string? CreationDate { get; init; }
    public string? MfaAuthenticated { get; init; }
}

/// <summary>CloudTrail's <c>tlsDetails</c> of a call over HTTPS.</summary>
internal sealed class CloudTrailTlsDetails
{
    public string? TlsVersion { get; init; }
    public string? CipherSuite { get; init; }
    public string? ClientProvidedHostHeader { get; init; }
}

/// <summary>One element of CloudTrail's <c>resources</c>: the KMS key the call used.</summary>
internal sealed class CloudTrailResource
{
    public string? AccountId { get; init; }
    public string Type { get; init; } = "AWS::KMS::Key";
    [JsonPropertyName("ARN")]
    public required string Arn { get; init; }
}

/// <summary>Source-generated writer of CloudTrail records: camel-case members, absent members omitted (except the two
/// CloudTrail always writes), compact.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    GenerationMode = JsonSourceGenerationMode.Serialization)]
[JsonSerializable(typeof(CloudTrailRecord))]
internal sealed partial class CloudTrailJsonContext : JsonSerializerContext;
