namespace KmsService.Testing;

/// <summary>How a <see cref="KmsTestServer"/> starts: its seed, its store and any other KmsService setting.</summary>
public sealed class KmsTestServerOptions
{
    /// <summary>Accounts, principals, access keys, identity policies and keys to declare (the seed file schema). At most
    /// one of <see cref="Seed"/> and <see cref="SeedFile"/>.</summary>
    public KmsSeed? Seed { get; set; }

    /// <summary>A seed file (JSON, or YAML with a <c>.yaml</c>/<c>.yml</c> name) in the schema of KmsService's
    /// <c>Kms:SeedFile</c>. At most one of <see cref="Seed"/> and <see cref="SeedFile"/>.</summary>
    public string? SeedFile { get; set; }

    /// <summary>The region clients sign for and seeded keys without one are created in. Default <c>us-east-1</c>.</summary>
    public string Region { get; set; } = "us-east-1";

    /// <summary>Null (default): the embedded SQLite store, in the server's temporary folder. Otherwise a PostgreSQL
    /// connection string (<c>Host=…;Username=…;Password=…</c>); see <see cref="IsolatedPostgresDatabase"/>.</summary>
    public string? PostgresConnectionString { get; set; }

    /// <summary>With <see cref="PostgresConnectionString"/>: true (default) creates a database of its own on that server
    /// (the role needs CREATEDB) and drops it when the server is disposed, so that runs never see each other's keys;
    /// false uses the database the connection string names as it is (set <see cref="RootKey"/> to reuse it across
    /// runs, since a store remembers the root key it was written under).</summary>
    public bool IsolatedPostgresDatabase { get; set; } = true;

    /// <summary>The root key (base64 of 32 bytes). Default: a fresh one per server, in its temporary folder.</summary>
    public string? RootKey { get; set; }

    /// <summary>Any other KmsService configuration, by its name (<c>Kms:Cache:KeyTtlSeconds</c>,
    /// <c>Logging:LogLevel:Default</c>, …); these win over the fixture's own choices.</summary>
    public IDictionary<string, string> Settings { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
}
