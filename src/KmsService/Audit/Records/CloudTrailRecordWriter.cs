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
        // What the service did on its own is "AWS Internal"; a refused request for a service event (a reset whose
        // signature failed) carries an error and is a caller's, if an unknown one.
        UserIdentity = e.Caller is null && e.EventType == AuditEventType.ServiceEvent && e.ErrorCode is null
            ? new CloudTrailUserIdentity { AccountId = AuditEvent.AccountOf(e.KeyArn), InvokedBy = ServiceEvents.Internal }
            : e.Caller is null && e.NamedKey is { } named
                ? new CloudTrailUserIdentity { Type = "Unknown", AccountId = named.AccountId, AccessKeyId = named.AccessKeyId }
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
        // The projection's third part rides on the call (AuditEvent keeps the first two as members).
        AdditionalEventData = e.Caller?.Audit?.AdditionalEventData,
        RequestId = e.RequestId.Length == 0 ? null : e.RequestId,
        EventId = e.EventId.ToString("D"),
        ReadOnly = e.ReadOnly,
        Resources = Resources(e.KeyArn, e.SecondKeyArn),
        EventType = e.EventType == AuditEventType.ApiCall ? "AwsApiCall" : "AwsServiceEvent",
        RecipientAccountId = e.RecipientAccountId,
        ServiceEventDetails = e.ServiceEventDetails,
        TlsDetails = e.Caller?.Tls is { } tls
            ? new CloudTrailTlsDetails { TlsVersion = tls.TlsVersion, CipherSuite = tls.CipherSuite, ClientProvidedHostHeader = tls.ClientProvidedHostHeader }
            : null,
    };

    /// <summary>CloudTrail's userIdentity of a principal of this service (CloudTrail User Guide, "CloudTrail userIdentity
    /// element"). There are no IAM unique ids here, so principalId is the account for a root and the ARN's resource part
    /// (<c>user/alice</c>, <c>role/app</c>) otherwise. Every access key here is a long-term key (the authenticator
    /// refuses session tokens), so an IAM user or root has no sessionContext, as in CloudTrail for long-term keys; a
    /// role's caller is an AssumedRole whose sessionIssuer is the role. There is no session, so no creationDate; MFA is
    /// never part of authentication here, so mfaAuthenticated is "false".</summary>
    internal static CloudTrailUserIdentity Identity(CallContext? caller)
    {
        if (caller is null)
        {
            // Authentication failed: who called is not known.
            return new CloudTrailUserIdentity { Type = "Unknown" };
        }

        var arn = caller.PrincipalArn;
        var resource = arn[(arn.LastIndexOf(':') + 1)..];
        var name = resource[(resource.LastIndexOf('/') + 1)..];
        return resource switch
        {
            "root" => Principal("Root", caller.AccountId, caller),
            _ when resource.StartsWith("user/", StringComparison.Ordinal) => Principal("IAMUser", resource, caller, userName: name),
            _ when resource.StartsWith("role/", StringComparison.Ordinal) =>
                Principal("AssumedRole", resource, caller, session: Session(resource, arn, caller.AccountId, name)),
            _ when resource.StartsWith("assumed-role/", StringComparison.Ordinal) && resource.Split('/') is [_, var role, _] =>
                Principal("AssumedRole", resource, caller, session: Session("role/" + role, RoleArnOf(arn, role), caller.AccountId, role)),
            _ => Principal("Unknown", resource, caller),
        };
    }

    private static CloudTrailUserIdentity Principal(
        string type, string principalId, CallContext caller, string? userName = null, CloudTrailSessionContext? session = null) => new()
        {
            Type = type,
            PrincipalId = principalId,
            Arn = caller.PrincipalArn,
            AccountId = caller.AccountId,
            AccessKeyId = caller.AccessKeyId,
            UserName = userName,
            SessionContext = session,
        };

    private static CloudTrailSessionContext Session(string rolePrincipalId, string roleArn, string accountId, string roleName) => new()
    {
        SessionIssuer = new CloudTrailSessionIssuer { PrincipalId = rolePrincipalId, Arn = roleArn, AccountId = accountId, UserName = roleName },
        Attributes = new CloudTrailSessionAttributes { MfaAuthenticated = "false" },
    };

    // arn:PARTITION:sts::ACCOUNT:assumed-role/ROLE/SESSION → arn:PARTITION:iam::ACCOUNT:role/ROLE (a path is not in a
    // session ARN, so none is given).
    private static string RoleArnOf(string sessionArn, string role)
    {
        var parts = sessionArn.Split(':', 6);
        return $"{parts[0]}:{parts[1]}:iam::{parts[4]}:role/{role}";
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
