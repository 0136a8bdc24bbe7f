using System.Buffers;
using System.Globalization;
using System.Text.Json;
using KmsService.Protocol;

namespace KmsService.Audit.Records;

/// <summary>Turns an <see cref="AuditEvent"/> into CloudTrail's JSON, straight into the caller's (pooled) buffer. Runs
/// on the writer's side, off the request's hot path.</summary>
internal static class CloudTrailRecordWriter
{
    [ThreadStatic]
    private static Utf8JsonWriter? _threadWriter;

    public static void Write(in AuditEvent e, IBufferWriter<byte> output) => Write(ToRecord(e), output);

    public static void Write(CloudTrailRecord record, IBufferWriter<byte> output)
    {
        var writer = _threadWriter ??= new Utf8JsonWriter(output, new JsonWriterOptions { SkipValidation = true });
        writer.Reset(output);
        JsonSerializer.Serialize(writer, record, CloudTrailJsonContext.Default.CloudTrailRecord);
        writer.Flush();
    }

    /// <summary>The record as a string (tests, LookupEvents' <c>CloudTrailEvent</c>).</summary>
    public static string ToJson(in AuditEvent e)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        Write(e, buffer);
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static CloudTrailRecord ToRecord(in AuditEvent e) => new()
    {
        UserIdentity = e.Caller is null && e.EventType == AuditEventType.ServiceEvent
            ? new CloudTrailUserIdentity { AccountId = AuditEvent.AccountOf(e.KeyArn), InvokedBy = ServiceEvents.Internal }
            : Identity(e.Caller),
        // CloudTrail's eventTime: UTC to the second.
        EventTime = e.EventTime.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
        EventSource = e.EventSource ?? AuditEvent.KmsEventSource,
        EventName = e.EventName,
        AwsRegion = e.AwsRegion,
        SourceIPAddress = e.SourceIpAddress,
        UserAgent = e.UserAgent,
        ErrorCode = e.ErrorCode,
        ErrorMessage = e.ErrorMessage,
        RequestParameters = e.RequestParameters,
        ResponseElements = e.ResponseElements,
        RequestId = e.RequestId.Length == 0 ? null : e.RequestId,
        EventId = e.EventId.ToString("D"),
        ReadOnly = e.ReadOnly,
        Resources = Resources(e.KeyArn, e.SecondKeyArn),
        EventType = e.EventType == AuditEventType.ApiCall ? "AwsApiCall" : "AwsServiceEvent",
        RecipientAccountId = e.RecipientAccountId,
        ServiceEventDetails = e.ServiceEventDetails,
    };

    /// <summary>CloudTrail's userIdentity of a principal of this service. There are no IAM unique ids here, so
    /// principalId is the account for a root and the ARN's resource part (<c>user/alice</c>) otherwise.</summary>
    internal static CloudTrailUserIdentity Identity(CallContext? caller)
    {
        if (caller is null)
        {
            // Authentication failed: who called is not known.
            return new CloudTrailUserIdentity { Type = "Unknown" };
        }

        var arn = caller.PrincipalArn;
        var resource = arn[(arn.LastIndexOf(':') + 1)..];
        var (type, userName) = resource switch
        {
            "root" => ("Root", (string?)null),
            _ when resource.StartsWith("user/", StringComparison.Ordinal) => ("IAMUser", resource[(resource.LastIndexOf('/') + 1)..]),
            _ when resource.StartsWith("role/", StringComparison.Ordinal) => ("AssumedRole", null),
            _ => ("Unknown", null),
        };
        return new CloudTrailUserIdentity
        {
            Type = type,
            PrincipalId = resource == "root" ? caller.AccountId : resource,
            Arn = arn,
            AccountId = caller.AccountId,
            AccessKeyId = caller.AccessKeyId,
            UserName = userName,
        };
    }

    private static CloudTrailResource[]? Resources(string? first, string? second) => (first, second) switch
    {
        (null, null) => null,
        ({ } a, null) => [Resource(a)],
        (null, { } b) => [Resource(b)],
        ({ } a, { } b) when a == b => [Resource(a)],
        ({ } a, { } b) => [Resource(a), Resource(b)],
    };

    private static CloudTrailResource Resource(string arn) => new() { AccountId = AuditEvent.AccountOf(arn), Arn = arn };
}
