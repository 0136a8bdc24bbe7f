using System.Buffers;
using KmsService.Audit.Records;

namespace KmsService.Audit.Store;

/// <summary>
/// Turns one call's <see cref="AuditEvent"/> into the store's entries: one per account whose trail holds it. A call on
/// another account's key is recorded in both accounts, as CloudTrail does: each copy has its own <c>eventID</c> and
/// <c>recipientAccountId</c>, and both carry the same <c>sharedEventID</c>. A call whose caller and key are both unknown
/// (authentication failed before anything named an account) is kept under no account (<see cref="NoAccount"/>): only
/// <c>audit verify</c> and the export see it.
/// </summary>
internal static class AuditEntries
{
    /// <summary>The account column of records that belong to no account (not an account id: those are 12 digits).</summary>
    public const string NoAccount = "unknown";

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _threadBuffer;

    public static AuditEntry[] Of(in AuditEvent e)
    {
        var caller = e.Caller?.AccountId;
        var owner = AuditEvent.AccountOf(e.KeyArn);
        var owner2 = AuditEvent.AccountOf(e.SecondKeyArn);
        var accounts = new List<string>(3) { caller ?? e.NamedKey?.AccountId ?? owner ?? NoAccount };
        foreach (var other in new[] { owner, owner2 })
        {
            if (other is not null && caller is not null && !accounts.Contains(other))
            {
                accounts.Add(other);
            }
        }

        var record = CloudTrailRecordWriter.ToRecord(e);
        if (accounts.Count == 1)
        {
            return [Entry(e, record, accounts[0], e.EventId)];
        }

        var entries = new AuditEntry[accounts.Count];
        var shared = e.EventId.ToString("D");
        for (var i = 0; i < accounts.Count; i++)
        {
            // The caller's copy keeps the call's event id; every other account's copy gets its own.
            var id = i == 0 ? e.EventId : Guid.CreateVersion7();
            var copy = record.With(id.ToString("D"), accounts[i], shared);
            entries[i] = Entry(e, copy, accounts[i], id);
        }

        return entries;
    }

    private static AuditEntry Entry(in AuditEvent e, CloudTrailRecord record, string account, Guid id)
    {
        var buffer = _threadBuffer ??= new ArrayBufferWriter<byte>(2048);
        buffer.ResetWrittenCount();
        CloudTrailRecordWriter.Write(record, buffer);
        var userName = record.UserIdentity.UserName ?? (record.UserIdentity.Type == "Root" ? "root" : RoleName(record.UserIdentity.Arn));
        return new AuditEntry(
            id.ToString("D"),
            e.EventTime,
            account,
            record.RecipientAccountId,
            Fit(e.EventName, AuditEntryLimits.EventName),
            Fit(userName, AuditEntryLimits.Username),
            Fit(record.UserIdentity.AccessKeyId, AuditEntryLimits.AccessKeyId),
            e.KeyArn is null ? null : "AWS::KMS::Key",
            e.KeyArn,
            e.ReadOnly,
            record.EventSource,
            buffer.WrittenSpan.ToArray());
    }

    // The lookup columns of what a caller chose (an unknown X-Amz-Target, an access key id that Development accepts
    // unverified) are cut to their column's size: a long value must still be recorded, and its call answered as any
    // other, not fail closed. The record's JSON keeps it whole.
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Fit(string? value, int max) => value is { Length: > 0 } && value.Length > max ? value[..max] : value;

    // LookupEvents' Username of an assumed role is the role name (CloudTrail: the session's issuer).
    private static string? RoleName(string? arn)
    {
        if (arn is null)
        {
            return null;
        }

        var resource = arn[(arn.LastIndexOf(':') + 1)..];
        return resource.StartsWith("role/", StringComparison.Ordinal) ? resource[(resource.LastIndexOf('/') + 1)..] : null;
    }
}
