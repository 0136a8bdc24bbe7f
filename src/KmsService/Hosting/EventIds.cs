namespace KmsService.Hosting;

/// <summary>Every log event id of the service, in one place so that none is used twice: 1xxx requests, 2xxx background
/// sweeps, 3xxx the change feed, 4xxx the store, 5xxx the audit store, 6xxx identities and the admin API.</summary>
internal static class EventIds
{
    public const int UnexpectedRequestError = 1000;
    public const int AuditAppendFailed = 1001;
    public const int RequestCompleted = 1002;
    public const int StoreReset = 1100;
    public const int KeyDeleted = 2000;
    public const int DeletionSweepFailed = 2001;
    public const int KeyRotated = 2100;
    public const int RotationSweepFailed = 2101;
    public const int MultiRegionSweepFailed = 2200;
    public const int KeyUsageFlushFailed = 2300;
    public const int KeyMaterialExpired = 2400;
    public const int ExpirySweepFailed = 2401;
    public const int ChangeFeedListening = 3000;
    public const int ChangeFeedLost = 3001;
    public const int ChangeFeedRetrying = 3002;
    public const int StoreUnavailable = 4000;
    public const int StoreRecovered = 4001;
    public const int KeyStateCountFailed = 4100;
    public const int AuditCommitFailed = 5000;
    public const int AuditDigestFailed = 5001;
    public const int AuditExported = 5100;
    public const int AuditExportFailed = 5101;
    public const int AuditPruned = 5200;
    public const int AuditPruneRefused = 5201;
    public const int AuditPruneFailed = 5202;
    public const int IdentityReloadFailed = 6000;
    public const int IdentityPrincipalSkipped = 6001;
    public const int IdentityAccessKeySkipped = 6002;
    public const int AdminChange = 6100;
}
