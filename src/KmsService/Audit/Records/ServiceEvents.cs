using KmsService.Protocol;

namespace KmsService.Audit.Records;

/// <summary>
/// The records of what the service does on its own (<c>AwsServiceEvent</c>), as CloudTrail logs them for KMS
/// (CloudTrail User Guide, "AWS service events"): no caller (<c>userIdentity</c> is the key's account and
/// <c>invokedBy</c>), <c>sourceIPAddress</c> and <c>userAgent</c> "AWS Internal", no request parameters, no request id.
/// </summary>
internal static class ServiceEvents
{
    /// <summary>What CloudTrail writes for the caller, address and agent of a service event.</summary>
    public const string Internal = "AWS Internal";

    /// <summary>An automatic rotation (<c>RotateKey</c>).</summary>
    public static AuditEvent RotateKey(DateTimeOffset time, string keyArn) =>
        Of(time, "RotateKey", keyArn) with
        {
            ServiceEventDetails = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["rotationType"] = "AUTOMATIC",
                ["keyId"] = KeyIdOf(keyArn),
            },
        };

    /// <summary>A key destroyed at the end of its waiting period (<c>DeleteKey</c>).</summary>
    public static AuditEvent DeleteKey(DateTimeOffset time, string keyArn) =>
        Of(time, "DeleteKey", keyArn) with
        {
            ServiceEventDetails = new Dictionary<string, string>(StringComparer.Ordinal) { ["keyId"] = KeyIdOf(keyArn) },
        };

    /// <summary>Imported key material deleted when its ValidTo passed (<c>DeleteExpiredKeyMaterial</c>, KMS Developer
    /// Guide ct-deleteexpiredkeymaterial); the material id only, never the material.</summary>
    public static AuditEvent DeleteExpiredKeyMaterial(DateTimeOffset time, string keyArn, string materialId) =>
        Of(time, "DeleteExpiredKeyMaterial", keyArn) with
        {
            ServiceEventDetails = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["keyId"] = KeyIdOf(keyArn),
                ["keyMaterialId"] = materialId,
            },
        };

    /// <summary>The reset endpoint wiped every key (<c>ResetStore</c>, this service's own event), on a signed caller's
    /// request: recorded with that caller and the request's id.</summary>
    public static AuditEvent ResetStore(DateTimeOffset time, CallContext caller) => new(
        Guid.CreateVersion7(), time, "ResetStore", AuditEventType.ServiceEvent, caller.RequestId, caller.Region, caller,
        caller.SourceIp, caller.UserAgent, null, null, null, null, null, null, ReadOnly: false);

    /// <summary>A refused <c>POST /_kms/reset</c> (bad signature, unknown key, a caller not allowed, a web page): the
    /// same event with the error, and the caller where it was authenticated (else only the address and agent).</summary>
    public static AuditEvent RefusedReset(
        DateTimeOffset time, string requestId, string region, CallContext? caller, string? sourceIp, string? userAgent, string errorCode, string? errorMessage) => new(
        Guid.CreateVersion7(), time, "ResetStore", AuditEventType.ServiceEvent, requestId, caller?.Region ?? region, caller,
        caller?.SourceIp ?? sourceIp, caller?.UserAgent ?? userAgent, null, null, errorCode, errorMessage, null, null, ReadOnly: false);

    private static AuditEvent Of(DateTimeOffset time, string name, string keyArn) => new(
        Guid.CreateVersion7(), time, name, AuditEventType.ServiceEvent, RequestId: "", RegionOf(keyArn), Caller: null,
        Internal, Internal, null, null, null, null, keyArn, null, ReadOnly: false);

    // arn:partition:kms:region:account:key/id
    private static string RegionOf(string arn) => arn.Split(':', 6) is { Length: 6 } parts ? parts[3] : "";

    private static string KeyIdOf(string arn) => arn[(arn.LastIndexOf('/') + 1)..];
}
