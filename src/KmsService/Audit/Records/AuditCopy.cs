namespace KmsService.Audit.Records;

/// <summary>Copies of request members into audit shapes, for the operations' projections.</summary>
internal static class AuditCopy
{
    public static IReadOnlyList<AuditTag>? Tags(IEnumerable<(string? Key, string? Value)>? tags) =>
        tags?.Select(t => new AuditTag { TagKey = t.Key, TagValue = t.Value }).ToArray();

    public static string? Date(DateTimeOffset? date) =>
        // CloudTrail logs KMS dates in responseElements as "Dec 3, 2014, 12:00:00 AM" (UTC).
        date?.UtcDateTime.ToString("MMM d, yyyy, h:mm:ss tt", System.Globalization.CultureInfo.InvariantCulture);
}
