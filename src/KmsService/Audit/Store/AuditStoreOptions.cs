namespace KmsService.Audit.Store;

/// <summary><c>Kms:Audit</c>: how the audit store group-commits, how often it signs a digest, whether it exports log
/// files and how long it keeps records.</summary>
internal sealed class AuditStoreOptions
{
    public const string Section = "Kms:Audit";

    /// <summary>Record every call, durably, before it is answered (default true). Off only to measure what auditing
    /// costs: nothing is recorded then.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>A digest is signed once this many records follow the last one (default 1000).</summary>
    public int DigestEvery { get; set; } = 1000;

    /// <summary>A digest is signed when records have waited this many seconds for one (default 60; 0 turns the
    /// timer off, leaving only <see cref="DigestEvery"/>).</summary>
    public int DigestSeconds { get; set; } = 60;

    /// <summary>Most records committed in one transaction (default 256).</summary>
    public int BatchSize { get; set; } = 256;

    /// <summary>Records waiting for the writer before callers wait for room (default 4096).</summary>
    public int QueueCapacity { get; set; } = 4096;

    /// <summary>A folder to write the records to as CloudTrail log files
    /// (<c>AWSLogs/&lt;account&gt;/CloudTrail/&lt;region&gt;/YYYY/MM/DD/…json.gz</c>); unset (the default) turns export off.</summary>
    public string? ExportFolder { get; set; }

    /// <summary>How often new records are exported, in seconds (default 60).</summary>
    public int ExportSeconds { get; set; } = 60;

    /// <summary>Most records one export round reads; more are exported by further rounds at once (default 10000).</summary>
    public int ExportMaxRecords { get; set; } = 10000;

    /// <summary>Records older than this many days are pruned, at digest boundaries, under a signed checkpoint
    /// (default 0: kept forever). With <see cref="ExportFolder"/> set, only exported records are pruned.</summary>
    public int RetentionDays { get; set; }

    /// <summary>Most records one pruning transaction deletes, each under its own checkpoint (default 10000).</summary>
    public int PruneChunk { get; set; } = 10000;

    /// <summary>Whether export is on.</summary>
    public bool ExportEnabled => !string.IsNullOrWhiteSpace(ExportFolder);
}
