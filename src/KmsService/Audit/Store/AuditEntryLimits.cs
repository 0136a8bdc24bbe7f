namespace KmsService.Audit.Store;

/// <summary>The column limits of <c>audit_records</c>, checked before an entry is queued, so that one malformed entry
/// fails its own call instead of the whole batch it would share a transaction with.</summary>
internal static class AuditEntryLimits
{
    public const int EventId = 64;
    public const int AccountId = 12;
    public const int EventName = 128;
    public const int Username = 256;
    public const int AccessKeyId = 128;
    public const int ResourceType = 64;
    public const int ResourceName = 256;
    public const int EventSource = 64;

    /// <exception cref="ArgumentException">A field is missing or longer than its column (a bug in the record's
    /// projection; the call fails closed).</exception>
    public static void Validate(AuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Require(entry.EventId, EventId, nameof(entry.EventId));
        Require(entry.AccountId, AccountId, nameof(entry.AccountId));
        Optional(entry.RecipientAccountId, AccountId, nameof(entry.RecipientAccountId));
        Require(entry.EventName, EventName, nameof(entry.EventName));
        Optional(entry.Username, Username, nameof(entry.Username));
        Optional(entry.AccessKeyId, AccessKeyId, nameof(entry.AccessKeyId));
        Optional(entry.ResourceType, ResourceType, nameof(entry.ResourceType));
        Optional(entry.ResourceName, ResourceName, nameof(entry.ResourceName));
        Require(entry.EventSource, EventSource, nameof(entry.EventSource));
        if (entry.RecordJson.IsEmpty)
        {
            throw new ArgumentException("An audit entry needs its serialized record.", nameof(entry));
        }
    }

    private static void Require(string value, int max, string name)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ArgumentException($"An audit entry needs {name}.", name);
        }

        Optional(value, max, name);
    }

    private static void Optional(string? value, int max, string name)
    {
        if (value is not null && value.Length > max)
        {
            throw new ArgumentException($"An audit entry's {name} is longer than {max} characters.", name);
        }
    }
}
