using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace KmsService.Hosting;

/// <summary>The service's <see cref="Meter"/> ("KmsService") and its instruments recorded as calls run: requests by
/// operation and error code, their latency, and the audit writer's batches. What is read when scraped (caches, change
/// feed, keys by state, the audit queue) is observed by <see cref="StoreGauges"/> on the same meter.</summary>
/// <remarks>Tags come from small fixed sets (operation names of the operation table, error codes that are model error
/// shape names) and are passed in a <see cref="TagList"/> or as one pair: no allocation per call. Exported as Prometheus
/// text at <see cref="ScrapePath"/>.</remarks>
internal sealed class KmsMetrics
{
    /// <summary>The meter's name (what an OpenTelemetry pipeline subscribes to).</summary>
    public const string MeterName = "KmsService";

    /// <summary>Where Prometheus scrapes (GET, unauthenticated, as the health endpoints).</summary>
    public const string ScrapePath = "/_kms/metrics";

    /// <summary>The operation tag of a call whose X-Amz-Target names no operation (the client's text is not a tag).</summary>
    public const string UnknownOperation = "Unknown";

    private static readonly double[] SecondsBuckets =
        [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

    private readonly Counter<long> _requests;
    private readonly Histogram<double> _requestDuration;
    private readonly Histogram<int> _auditBatchSize;
    private readonly Histogram<double> _auditCommitDuration;
    private readonly Histogram<double> _auditLag;

    public KmsMetrics(IMeterFactory meters)
    {
        Meter = meters.Create(MeterName);
        _requests = Meter.CreateCounter<long>("kms.requests", "{request}", "KMS and CloudTrail calls answered, by operation and error code (empty when it succeeded).");
        _requestDuration = Meter.CreateHistogram("kms.request.duration", "s", "Time from a call's arrival to its answer, by operation.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _auditBatchSize = Meter.CreateHistogram("kms.audit.batch.size", "{record}", "Audit records committed in one transaction by the group-commit writer.",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _auditCommitDuration = Meter.CreateHistogram("kms.audit.commit.duration", "s", "Time one audit batch took to commit (its callers wait for it).",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _auditLag = Meter.CreateHistogram("kms.audit.lag", "s", "Time from the oldest record of a batch being queued to the batch being committed.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
    }

    /// <summary>The meter, for the instruments observed when scraped.</summary>
    public Meter Meter { get; }

    /// <summary>A call answered: <paramref name="operation"/> from the operation table (or <see cref="UnknownOperation"/>),
    /// <paramref name="errorCode"/> null when it succeeded, <paramref name="startedAt"/> a <see cref="Stopwatch"/>
    /// timestamp.</summary>
    public void Request(string operation, string? errorCode, long startedAt)
    {
        if (_requests.Enabled)
        {
            _requests.Add(1, new TagList { { "operation", operation }, { "error_code", errorCode ?? string.Empty } });
        }

        if (_requestDuration.Enabled)
        {
            _requestDuration.Record(Stopwatch.GetElapsedTime(startedAt).TotalSeconds, new KeyValuePair<string, object?>("operation", operation));
        }
    }

    /// <summary>An audit batch committed: its record count, when its commit started and when its oldest record was
    /// queued (<see cref="Stopwatch"/> timestamps).</summary>
    public void AuditBatch(int records, long commitStartedAt, long oldestQueuedAt)
    {
        _auditBatchSize.Record(records);
        var now = Stopwatch.GetTimestamp();
        _auditCommitDuration.Record(Stopwatch.GetElapsedTime(commitStartedAt, now).TotalSeconds);
        _auditLag.Record(Stopwatch.GetElapsedTime(oldestQueuedAt, now).TotalSeconds);
    }
}
