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

    /// <summary>A file holding the base64 root key. In Development it is created (mode 0600) if missing;
    /// default <c>DataDir/root.key</c> there.</summary>
    public string? RootKeyFile { get; set; }
}
