namespace KmsService.Audit.Store;

/// <summary>
/// One audit record as the store receives it: the CloudTrail record already serialized (<see cref="RecordJson"/>, UTF-8
/// JSON, exactly what LookupEvents returns as <c>CloudTrailEvent</c>) and, beside it, the fields LookupEvents filters on,
/// which become indexed columns. The store never parses the JSON; every field is covered by the row's hash.
/// </summary>
/// <param name="EventId">CloudTrail <c>eventID</c> (a GUID string); unique in the store.</param>
/// <param name="EventTime">CloudTrail <c>eventTime</c>; stored to the millisecond.</param>
/// <param name="AccountId">The account whose trail holds the record (<c>recipientAccountId</c> of this copy). A
/// cross-account call is appended twice, once per account, with different event ids, as CloudTrail does.</param>
/// <param name="RecipientAccountId">CloudTrail <c>recipientAccountId</c>, when it differs from the caller's account.</param>
/// <param name="EventName">The operation (<c>Encrypt</c>, <c>CreateKey</c>, …) or service event name.</param>
/// <param name="Username">LookupEvents' Username: the caller's user or role name, null for service events.</param>
/// <param name="AccessKeyId">The access key the call was signed with, null for service events.</param>
/// <param name="ResourceType">LookupEvents' ResourceType (<c>AWS::KMS::Key</c>), null when the call names no key.</param>
/// <param name="ResourceName">LookupEvents' ResourceName: the key ARN, null when the call names no key.</param>
/// <param name="ReadOnly">CloudTrail <c>readOnly</c>.</param>
/// <param name="EventSource">CloudTrail <c>eventSource</c>, <c>kms.amazonaws.com</c>.</param>
/// <param name="RecordJson">The serialized CloudTrail record (UTF-8); must hold no secret (the record type ensures it).</param>
internal sealed record AuditEntry(
    string EventId,
    DateTimeOffset EventTime,
    string AccountId,
    string? RecipientAccountId,
    string EventName,
    string? Username,
    string? AccessKeyId,
    string? ResourceType,
    string? ResourceName,
    bool ReadOnly,
    string EventSource,
    ReadOnlyMemory<byte> RecordJson);
