using System.Reflection;

namespace KmsService.Hosting;

/// <summary>The command verbs answered before any other work (no configuration read, no store opened, no root key
/// created): <c>--help</c> prints the configuration options, <c>--version</c> the version.</summary>
internal static class CommandLine
{
    /// <summary>The configuration options, as in the README's configuration table (kept in step with
    /// <see cref="KmsOptions"/>: a test checks that every option property appears here).</summary>
    public const string Help = """
        KmsService: a self-hosted AWS KMS-compatible service (AWS JSON 1.1, SigV4).

        Usage: KmsService [--help | --version | audit verify | health] [--<name> <value> ...]

        Configuration is plain ASP.NET Core configuration: appsettings.json, environment variables
        (Kms__Store=postgres, ConnectionStrings__Kms=...), or the command line (--Kms:Store postgres).

          --urls                                   Where to listen (default http://localhost:8080).
          --environment                            Development (built-in test/test account, generated root key)
                                                   or Production (the default of a published build).
          Kms:DataDir                              Folder of the embedded store and the development root key
                                                   (default ./.kms-data).
          Kms:Store                                sqlite (default, embedded) or postgres (uses ConnectionStrings:Kms).
          ConnectionStrings:Kms                    PostgreSQL connection string.
          Kms:SeedFile                             JSON or YAML file of accounts, principals, access keys, identity
                                                   policies and keys, applied at every start.
          Kms:DefaultRegion                        Region of seeded keys that name none (default us-east-1).
          Kms:AllowUnknownAccessKeys               Unknown access keys act as the development account's root
                                                   (default true in Development only).
          Kms:RootKeyFile                          File holding the base64 root key (default DataDir/root.key in
                                                   Development, where it is generated).
          Kms:RootKey                              The root key itself, base64 of 32 bytes (prefer Kms:RootKeyFile).
          Kms:Quotas:KeysPerRegion                 KMS keys per account and region (default 100000).
          Kms:Quotas:AliasesPerKey                 Aliases that may point at one key (default 50).
          Kms:Quotas:GrantsPerKey                  Grants on one key (default 50000).
          Kms:RateLimits:Enabled                   Request quotas per account (default false in Development, else true).
          Kms:RateLimits:CryptographicOperationsPerSecond
                                                   The shared quota of the cryptographic operations (default 10000).
          Kms:RateLimits:Operations:<Op>           One operation's quota, e.g. Kms:RateLimits:Operations:CreateKey=50.
          Kms:EnableResetEndpoint                  Exposes POST /_kms/reset for test suites (default false).
          Kms:ResetPrincipals:<n>                  Principal ARNs that may call POST /_kms/reset.
          Kms:Cache:KeyTtlSeconds                  On PostgreSQL, how long key records, alias targets and grants stay
                                                   cached while the change feed confirms it is fresh (default 30).
          Kms:Cache:ChangeFeed                     On PostgreSQL, push changes between instances with LISTEN/NOTIFY
                                                   (default true).
          Kms:Cache:OutageStaleSeconds             While the store is unavailable, serve cached records up to this many
                                                   seconds past their time to live; 0 fails closed (default 30).

          Kms:Audit:Enabled                        Record every call in the audit trail, committed before it is
                                                   answered (default true; false records nothing).
          Kms:Audit:DigestEvery                    Sign an audit digest every this many records (default 1000).
          Kms:Audit:DigestSeconds                  ... or once records have waited this many seconds (default 60).
          Kms:Audit:BatchSize                      Most audit records committed in one transaction (default 256).
          Kms:Audit:QueueCapacity                  Audit records queued for the writer (default 4096).
          Kms:Audit:ExportFolder                   Write audit records as CloudTrail log files (AWSLogs/<account>/
                                                   CloudTrail/<region>/YYYY/MM/DD/*.json.gz) under this folder
                                                   (default unset: no export).
          Kms:Audit:ExportSeconds                  How often new records are exported (default 60).
          Kms:Audit:ExportMaxRecords               Most records per export round (default 10000).
          Kms:Audit:RetentionDays                  Prune audit records older than this, under signed checkpoints;
                                                   with export on, only exported ones (default 0: keep all).
          Kms:Audit:PruneChunk                     Most records pruned in one transaction (default 10000).

        Verbs: --help (this text), --version, audit verify (checks the audit chain and digest signatures of
        the configured store with its root key; one line; exit 0 valid, 1 tampered, 2 not verified),
        health [--url <base url>] (asks a running service's /_kms/health/ready at --url, else at its --urls,
        ASPNETCORE_URLS or ASPNETCORE_HTTP_PORTS on loopback; one line; exit 0 ready, 1 not: the container's
        HEALTHCHECK, which needs no shell or curl).
        """;

    /// <summary>The product version: the assembly's informational version.</summary>
    public static string Version =>
        typeof(CommandLine).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(CommandLine).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>Answers <c>--help</c> (or <c>-h</c>) or <c>--version</c> wherever it appears among the arguments;
    /// returns whether it did (the exit code is then 0).</summary>
    public static bool TryAnswer(string[] args, TextWriter output)
    {
        if (args.Any(a => a is "--help" or "-h" or "-?"))
        {
            output.Write(Help);
            output.WriteLine();
            return true;
        }

        if (args.Contains("--version"))
        {
            output.WriteLine($"KmsService {Version}");
            return true;
        }

        return false;
    }
}
