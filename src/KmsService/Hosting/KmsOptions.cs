namespace KmsService.Hosting;

/// <summary>The <c>Kms</c> configuration section (names are a contract; see DESIGN.md).</summary>
internal sealed class KmsOptions
{
    public const string Section = "Kms";

    /// <summary>Folder for the embedded store and the development root key.</summary>
    public string DataDir { get; set; } = "./.kms-data";

    /// <summary><c>sqlite</c> (embedded, default) or <c>postgres</c> (uses <c>ConnectionStrings:Kms</c>).</summary>
    public string Store { get; set; } = "sqlite";

    /// <summary>JSON or YAML file of accounts, principals, access keys, identity policies and keys.</summary>
    public string? SeedFile { get; set; }

    /// <summary>Region for seeded keys that name none.</summary>
    public string DefaultRegion { get; set; } = "us-east-1";

    /// <summary>Unknown access keys act as the development account's root without a signature check.
    /// Default: true in Development only.</summary>
    public bool? AllowUnknownAccessKeys { get; set; }

    /// <summary>The root key, base64 of 32 bytes (operator-supplied; required outside Development unless RootKeyFile is set).</summary>
    public string? RootKey { get; set; }

    /// <summary>Resource quotas (AWS defaults).</summary>
    public QuotaOptions Quotas { get; set; } = new();

    /// <summary>Request-rate limits per account and operation family (AWS defaults); off in Development unless enabled.</summary>
    public RateLimitOptions RateLimits { get; set; } = new();

    /// <summary>Exposes <c>POST /_kms/reset</c>, which wipes every key, alias and tag and re-applies the seed file
    /// (for test suites). Default false.</summary>
    public bool EnableResetEndpoint { get; set; }

    /// <summary>Principal ARNs that may call <c>POST /_kms/reset</c> (a signed request with one of their access keys).
    /// Default: in Development the development account's root; outside it, none, and enabling the endpoint without
    /// naming any stops start-up.</summary>
    public List<string> ResetPrincipals { get; set; } = [];

    /// <summary>A file holding the base64 root key. In Development it is created (mode 0600) if missing;
    /// default <c>DataDir/root.key</c> there.</summary>
    public string? RootKeyFile { get; set; }

    /// <summary>Hot-path caches of key records and alias targets.</summary>
    public CacheOptions Cache { get; set; } = new();

    /// <summary>One Information line per KMS call (operation, principal, key, error code, status, duration, request id).
    /// Default true; false leaves the call out of the log (its metrics and audit record stay).</summary>
    public bool RequestLog { get; set; } = true;

    /// <summary>On SIGTERM (or Ctrl+C) calls in flight get this many seconds to finish and have their audit records
    /// committed before the process exits (the host's <c>HostOptions.ShutdownTimeout</c>). Default 30.</summary>
    public int ShutdownTimeoutSeconds { get; set; } = 30;
}

/// <summary><c>Kms:Cache</c>: how long key records (state, policy, tags) and alias targets stay cached.</summary>
internal sealed class CacheOptions
{
    /// <summary>Seconds an entry may stay cached on PostgreSQL while the change feed is listening and its heartbeat
    /// comes back within a second, so that every change is pushed to every instance as it commits. Without the feed
    /// (SQLite, or while it is late or reconnects) entries are used for at most one second.</summary>
    public int KeyTtlSeconds { get; set; } = 30;

    /// <summary>On PostgreSQL, push every change to every instance with LISTEN/NOTIFY. Turn off only on a
    /// PostgreSQL-compatible engine without them; instances then cache for at most one second.</summary>
    public bool ChangeFeed { get; set; } = true;

    /// <summary>While the store is unavailable, key records, alias targets, grants and wrapped backing keys already
    /// cached may be served up to this many seconds past their time to live, so that Encrypt and Decrypt of keys in use
    /// keep working through a short outage. 0 turns this off.</summary>
    public int OutageStaleSeconds { get; set; } = 30;
}

/// <summary><c>Kms:Quotas</c>: resource quotas, with AWS's defaults ("Resource quotas" in the KMS developer guide).</summary>
internal sealed class QuotaOptions
{
    /// <summary>KMS keys per account and region (customer managed keys in every state).</summary>
    public int KeysPerRegion { get; set; } = 100_000;

    /// <summary>Aliases that may point at one key.</summary>
    public int AliasesPerKey { get; set; } = 50;

    /// <summary>Grants on one key ("Grants per KMS key: 50,000").</summary>
    public int GrantsPerKey { get; set; } = 50_000;
}

/// <summary><c>Kms:RateLimits</c>: request quotas per account, per second, with AWS's defaults ("Request quotas" in
/// the KMS developer guide). Each instance enforces them on its own requests.</summary>
internal sealed class RateLimitOptions
{
    /// <summary>Default: true, except in Development.</summary>
    public bool? Enabled { get; set; }

    /// <summary>The shared quota of Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom, GenerateMac and
    /// VerifyMac (AWS: 5,500 to 50,000 depending on the region).</summary>
    public int CryptographicOperationsPerSecond { get; set; } = 10_000;

    /// <summary>Per-operation overrides, e.g. <c>Kms:RateLimits:Operations:CreateKey=20</c>.</summary>
    public Dictionary<string, int> Operations { get; set; } = new(StringComparer.Ordinal);
}
