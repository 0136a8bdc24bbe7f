using System.Collections.Concurrent;
using KmsService.Audit.Records;

namespace KmsService.Tests.Audit.Records;

/// <summary>An in-memory sink that keeps every record, and its CloudTrail JSON as the writer makes it.</summary>
internal sealed class CapturingAuditSink : IAuditSink
{
    public ConcurrentQueue<(AuditEvent Event, string Json)> Records { get; } = new();

    /// <summary>When set, every append throws it (an unwritable audit store).</summary>
    public Exception? Failure { get; set; }

    public ValueTask AppendAsync(AuditEvent e, CancellationToken ct)
    {
        if (Failure is not null)
        {
            throw Failure;
        }

        Records.Enqueue((e, CloudTrailRecordWriter.ToJson(e)));
        return ValueTask.CompletedTask;
    }
}
