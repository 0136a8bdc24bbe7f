namespace KmsService.Audit.Store;

/// <summary><c>Kms:Audit</c>: how the audit store group-commits and how often it signs a digest.</summary>
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
}
