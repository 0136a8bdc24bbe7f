using KmsService.Audit.Store;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Lookup;

/// <summary>One stored record as LookupEvents reads it.</summary>
internal sealed record StoredRecord(
    long Sequence,
    string EventId,
    DateTime EventTime,
    string EventName,
    string? Username,
    string? AccessKeyId,
    bool ReadOnly,
    string EventSource,
    byte[] RecordJson);

/// <summary>Reads one account's audit records (<c>audit_records</c>), newest first, for LookupEvents: only reads, through
/// the (AccountId, attribute, EventTime) indexes where one exists.</summary>
internal sealed class AuditRecordReader(KmsDbFactory db)
{
    /// <summary>Up to <paramref name="limit"/> records of <paramref name="accountId"/> matching <paramref name="query"/>,
    /// after <paramref name="after"/> in the order returned (EventTime, then Sequence, both descending).</summary>
    public async Task<List<StoredRecord>> ReadAsync(string accountId, LookupQuery query, LookupCursor? after, int limit, CancellationToken ct)
    {
        await using var context = db.Create();
        var records = context.AuditRecords.AsNoTracking().Where(r => r.AccountId == accountId);
        if (query.Key is { } key)
        {
            var value = query.Value;
            switch (key)
            {
                case LookupAttributeKey.EventId:
                    records = records.Where(r => r.EventId == value);
                    break;
                case LookupAttributeKey.EventName:
                    records = records.Where(r => r.EventName == value);
                    break;
                case LookupAttributeKey.Username:
                    records = records.Where(r => r.Username == value);
                    break;
                case LookupAttributeKey.AccessKeyId:
                    records = records.Where(r => r.AccessKeyId == value);
                    break;
                case LookupAttributeKey.ResourceType:
                    records = records.Where(r => r.ResourceType == value);
                    break;
                case LookupAttributeKey.ResourceName:
                    records = records.Where(r => r.ResourceName == value);
                    break;
                case LookupAttributeKey.EventSource:
                    records = records.Where(r => r.EventSource == value);
                    break;
                case LookupAttributeKey.ReadOnly:
                    // CloudTrail's readOnly is "true" or "false"; any other value matches no event.
                    if (value is not ("true" or "false"))
                    {
                        return [];
                    }

                    var readOnly = value == "true";
                    records = records.Where(r => r.ReadOnly == readOnly);
                    break;
            }
        }

        if (query.From is { } from)
        {
            records = records.Where(r => r.EventTime >= from);
        }

        if (query.Before is { } before)
        {
            records = records.Where(r => r.EventTime < before);
        }

        if (after is { } cursor)
        {
            var time = DateTime.UnixEpoch.AddMilliseconds(cursor.EventTimeMs);
            var sequence = cursor.Sequence;
            records = records.Where(r => r.EventTime < time || (r.EventTime == time && r.Sequence < sequence));
        }

        return await records
            .OrderByDescending(r => r.EventTime)
            .ThenByDescending(r => r.Sequence)
            .Take(limit)
            .Select(r => new StoredRecord(
                r.Sequence, r.EventId, r.EventTime, r.EventName, r.Username, r.AccessKeyId, r.ReadOnly, r.EventSource, r.RecordJson))
            .ToListAsync(ct);
    }
}
