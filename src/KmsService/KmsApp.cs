using KmsService.Admin;
using KmsService.Audit.Lookup;
using KmsService.Audit.Records;
using KmsService.Audit.Store;
using KmsService.Core.Auth;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Lifecycle;
using KmsService.Protocol;
using KmsService.Seed;
using KmsService.Storage;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace KmsService;

/// <summary>Builds the web application (configuration, services, the one KMS endpoint) and prepares the store
/// (migrations, seed) before it listens.</summary>
internal static class KmsApp
{
    /// <summary>Builds, migrates and seeds; the returned app is ready to <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<IServiceCollection>? configure = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateBuilder(BuilderOptions(args));
        ApplyDefaultUrl(builder);
        HotPathDefaults.Apply(builder);
        KmsLogging.Configure(builder);
        var logGate = StartupLogGate.Install(builder);
        var options = builder.Configuration.GetSection(KmsOptions.Section).Get<KmsOptions>() ?? new KmsOptions();
        var isDevelopment = builder.Environment.IsDevelopment();
        if (options.ShutdownTimeoutSeconds < 0)
        {
            throw new StartupException($"Kms:ShutdownTimeoutSeconds must be 0 or more, not {options.ShutdownTimeoutSeconds}.");
        }

        // Stopping (SIGTERM, Ctrl+C): Kestrel, started last, stops first and lets the calls in flight finish (their
        // audit records are committed before they are answered); then the audit writer commits what is still queued
        // and the other services stop. Whatever is left when this runs out is abandoned.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownTimeoutSeconds));

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 2 * KmsEndpoint.MaxBodyBytes;
        });

        var seed = ReadSeed(options, isDevelopment);
        var identities = BuildIdentities(options, seed, isDevelopment);
        if (!isDevelopment && identities.IsEmpty)
        {
            throw new StartupException(
                "No identities: outside Development there are no built-in credentials, so nobody could call the service. "
                + "Declare accounts, principals and access keys in a seed file (Kms:SeedFile).");
        }

        if (options.Store.Equals("sqlite", StringComparison.OrdinalIgnoreCase))
        {
            DataFolder.Prepare(options.DataDir);
        }

        var rootKey = LoadRootKey(options, isDevelopment);
        ForgetRootKeySecret(builder.Configuration, options);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(seed);
        builder.Services.AddSingleton(identities);
        builder.Services.AddSingleton(new KnownPrincipals(identities));
        builder.Services.AddSingleton<StoredIdentityLoader>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<StoredIdentityLoader>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(rootKey);
        builder.Services.AddSingleton<IHsa>(sp => new SoftwareHsa(rootKey.Take(), sp.GetRequiredService<TimeProvider>()));
        // Signatures are checked against the wall clock the clients sign with; the injected TimeProvider is the
        // service's clock for key lifecycle (creation, deletion and rotation dates), which tests move forward.
        builder.Services.AddSingleton(new SigV4Verifier(TimeProvider.System));
        AddStore(builder.Services, options, builder.Configuration);
        builder.Services.AddSingleton(sp => ChangeFeed.Create(options, builder.Configuration, sp.GetRequiredService<TimeProvider>()));
        builder.Services.AddSingleton<ChangeListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeListener>());
        builder.Services.AddSingleton(options.Cache);
        builder.Services.AddSingleton<StoreProbe>();
        builder.Services.AddSingleton<StoreOutage>();
        builder.Services.AddSingleton<KeyStore>();
        builder.Services.AddSingleton<TagStore>();
        builder.Services.AddSingleton<AliasStore>();
        builder.Services.AddSingleton<GrantStore>();
        builder.Services.AddSingleton<SeedApplier>();
        builder.Services.AddSingleton<KeyDeletionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyDeletionService>());
        AuditStore.Add(builder.Services, builder.Configuration);
        builder.Services.AddSingleton<RotationStore>();
        builder.Services.AddSingleton<ImportStore>();
        builder.Services.AddSingleton<KeyMaterialExpiryService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyMaterialExpiryService>());
        builder.Services.AddSingleton<KeyRotationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyRotationService>());
        builder.Services.AddSingleton<MultiRegionStore>();
        builder.Services.AddSingleton<MultiRegionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<MultiRegionService>());
        builder.Services.AddSingleton<KeyUsageTracker>();
        builder.Services.AddSingleton<KeyUsageStore>();
        builder.Services.AddSingleton<KeyUsageFlushService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyUsageFlushService>());
        builder.Services.AddSingleton<Authenticator>();
        builder.Services.AddSingleton(new RequestRateLimiter(options.RateLimits, isDevelopment, OperationTable.Quotas.Concat(CloudTrailOperations.Quotas)));
        builder.Services.AddSingleton<KmsMetrics>();
        builder.Services.AddSingleton<StoreGauges>();
        builder.Services.AddOpenTelemetry().ConfigureResource(r => r.AddService(KmsMetrics.MeterName)).WithMetrics(metrics => metrics
            .AddMeter(KmsMetrics.MeterName)
            .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        builder.Services.AddSingleton<KmsEndpoint>();
        builder.Services.TryAddSingleton<IAuditSink, NullAuditSink>();
        builder.Services.AddSingleton(ResetPrincipals.From(options, isDevelopment));
        builder.Services.AddSingleton<ResetEndpoint>();
        builder.Services.AddSingleton<IdentityAdminStore>();
        builder.Services.AddSingleton<AdminEndpoints>();
        AdminOpenApi.Add(builder.Services);
        OperationTable.Register(builder.Services);
        CloudTrailOperations.Register(builder.Services);
        HealthEndpoints.Add(builder.Services);

        // Health outcomes are in the endpoints' answers, and a store outage is logged once by StoreOutage: a line per
        // failed check (an error every probe while the store is out) would drown both.
        builder.Logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks", LogLevel.None);
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        logGate.OpenWhenStarted(app);
        // KMS calls are taken before routing (KmsEndpoint.TakesBeforeRouting); routing then serves what is mapped below.
        var kms = app.Services.GetRequiredService<KmsEndpoint>();
        app.Use(next => http => KmsEndpoint.TakesBeforeRouting(http) ? kms.HandleAsync(http) : next(http));
        app.Use(next => http => ProtocolErrorBodies.InvokeAsync(http, next));
        AdminOpenApi.UseSwaggerUi(app);
        app.UseRouting();
        HealthEndpoints.Map(app);
        app.Services.GetRequiredService<StoreGauges>();
        app.MapPrometheusScrapingEndpoint(KmsMetrics.ScrapePath).WithMetadata(new HttpMethodMetadata([HttpMethods.Get, HttpMethods.Head]));
        AdminEndpoints.Map(app);
        AdminOpenApi.Map(app);
        if (options.EnableResetEndpoint)
        {
            var reset = app.Services.GetRequiredService<ResetEndpoint>();
            app.MapPost(ResetEndpoint.Path, reset.HandleAsync);
        }

        var endpoint = app.Services.GetRequiredService<KmsEndpoint>();
        app.MapPost("/{**path}", endpoint.HandleAsync);

        await PrepareStoreAsync(app.Services, ct);
        return app;
    }

    /// <summary>The variable <c>dotnet run</c>'s launch profile sets (Properties/launchSettings.json): the environment to
    /// use when none is configured. A launch profile overrides variables of the same name, so it must not set
    /// ASPNETCORE_ENVIRONMENT or DOTNET_ENVIRONMENT: an exported <c>ASPNETCORE_ENVIRONMENT=Production</c> then wins.</summary>
    public const string LaunchEnvironmentVariable = "KMS_LAUNCH_ENVIRONMENT";

    // The environment as the host resolves it (ASPNETCORE_ and DOTNET_ variables, --environment); only when none is
    // set does the launch profile's default apply. A published service has no launch profile: Production by default.
    internal static WebApplicationOptions BuilderOptions(string[] args)
    {
        var host = new ConfigurationBuilder()
            .AddEnvironmentVariables("DOTNET_")
            .AddEnvironmentVariables("ASPNETCORE_")
            .AddCommandLine(args)
            .Build();
        var configured = host[HostDefaults.EnvironmentKey];
        var launchDefault = Environment.GetEnvironmentVariable(LaunchEnvironmentVariable);
        return new WebApplicationOptions
        {
            Args = args,
            EnvironmentName = string.IsNullOrEmpty(configured) && !string.IsNullOrEmpty(launchDefault) ? launchDefault : null,

            // appsettings.json ships beside the binaries: read it from there, whatever the working directory (the
            // default content root), unless a content root is configured. Kms:DataDir stays relative to the
            // working directory.
            ContentRootPath = string.IsNullOrEmpty(host[HostDefaults.ContentRootKey]) ? AppContext.BaseDirectory : null,
        };
    }

    /// <summary>The address when none is configured.</summary>
    public const string DefaultUrl = "http://localhost:8080";

    // The default lives here, not in appsettings.json: appsettings.json is read after the ASPNETCORE_ variables, so a
    // "Urls" there silently overrode ASPNETCORE_URLS (the container's http://0.0.0.0:8080 listened on localhost only).
    // Any configured address wins: --urls, ASPNETCORE_URLS / DOTNET_URLS / URLS, ASPNETCORE_HTTP(S)_PORTS (set by the
    // ASP.NET Core images) or Kestrel endpoints.
    private static void ApplyDefaultUrl(WebApplicationBuilder builder)
    {
        var config = builder.Configuration;
        if (string.IsNullOrEmpty(config[WebHostDefaults.ServerUrlsKey])
            && string.IsNullOrEmpty(config[WebHostDefaults.HttpPortsKey])
            && string.IsNullOrEmpty(config[WebHostDefaults.HttpsPortsKey])
            && !config.GetSection("Kestrel:Endpoints").Exists())
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
    }

    // Stopped before it is disposed, so that the background services already started end as in a normal shutdown
    // (not logged as failures). What failed to start may fail to stop too: the start-up failure is what the operator
    // (or the test fixture of KmsService.Testing, which shares this) needs.
    internal static async Task DisposeQuietlyAsync(WebApplication? app)
    {
        if (app is null)
        {
            return;
        }

        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await app.StopAsync(stopping.Token);
            await app.DisposeAsync();
        }
        catch (Exception)
        {
            // Nothing more to report.
        }
    }

    private static async Task PrepareStoreAsync(IServiceProvider services, CancellationToken ct)
    {
        var hsa = services.GetRequiredService<IHsa>();
        await using (var db = services.GetRequiredService<KmsDbFactory>().Create())
        {
            try
            {
                await RootKeyCheck.VerifyBeforeMigrationAsync(db, hsa, ct);
                await db.Database.MigrateAsync(ct);
                if (db.Database.IsSqlite())
                {
                    // WAL lets readers run while one writer commits.
                    await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
                }

                await RootKeyCheck.EnsureRecordedAsync(db, hsa, ct);
            }
            catch (StartupException)
            {
                // A root key generated by this very start (Development) is of no use to this store: leave nothing behind.
                services.GetRequiredService<RootKeySource>().DeleteIfGenerated();
                throw;
            }
        }

        await services.GetRequiredService<SeedApplier>().ApplyAsync(services.GetRequiredService<SeedDocument>(), ct);
        await services.GetRequiredService<StoredIdentityLoader>().LoadAsync(ct);
    }

    private static void AddStore(IServiceCollection services, KmsOptions options, IConfiguration configuration)
    {
        switch (options.Store.ToLowerInvariant())
        {
            case "sqlite":
                var file = Path.GetFullPath(Path.Combine(options.DataDir, DataFolder.DatabaseFile));
                var readOnlyGuard = new SqliteReadOnlyGuard();
                services.AddPooledDbContextFactory<SqliteKmsDbContext>(o => o.UseSqlite($"Data Source={file};Pooling=True")
                    .AddInterceptors(readOnlyGuard).LogFailuresAtDebug());
                services.AddSingleton(sp => KmsDbFactory.For(sp.GetRequiredService<IDbContextFactory<SqliteKmsDbContext>>()));
                break;
            case "postgres":
                var cs = configuration.GetConnectionString("Kms");
                if (string.IsNullOrWhiteSpace(cs))
                {
                    throw new StartupException("Kms:Store is 'postgres' but ConnectionStrings:Kms is not set (e.g. ConnectionStrings__Kms=\"Host=localhost;Database=kms;Username=kms;Password=...\").");
                }

                services.AddPooledDbContextFactory<PostgresKmsDbContext>(o => o.UseNpgsql(cs).LogFailuresAtDebug());
                services.AddSingleton(sp => KmsDbFactory.For(sp.GetRequiredService<IDbContextFactory<PostgresKmsDbContext>>()));
                break;
            default:
                throw new StartupException($"Kms:Store must be 'sqlite' or 'postgres', not '{options.Store}'.");
        }
    }

    private static SeedDocument ReadSeed(KmsOptions options, bool isDevelopment)
    {
        if (string.IsNullOrWhiteSpace(options.SeedFile))
        {
            return SeedDocument.Empty;
        }

        var builtIn = isDevelopment ? new HashSet<string> { IdentityStore.DevelopmentAccount } : [];
        return SeedFileReader.Read(options.SeedFile, options.DefaultRegion, builtIn);
    }

    private static IdentityStore BuildIdentities(KmsOptions options, SeedDocument seed, bool isDevelopment)
    {
        var accessKeys = new List<AccessKey>(seed.AccessKeys);
        if (isDevelopment)
        {
            if (!accessKeys.Exists(k => k.AccessKeyId == IdentityStore.DevelopmentAccessKeyId))
            {
                accessKeys.Add(new AccessKey(IdentityStore.DevelopmentAccessKeyId, "test", IdentityStore.DevelopmentRoot));
            }
        }

        var allowUnknown = options.AllowUnknownAccessKeys ?? isDevelopment;
        var accounts = isDevelopment ? seed.Accounts.Append(IdentityStore.DevelopmentAccount) : seed.Accounts;
        return new IdentityStore(accessKeys, allowUnknown ? IdentityStore.DevelopmentRoot : null, accounts, seed.PrincipalArns);
    }

    private static RootKeySource LoadRootKey(KmsOptions options, bool isDevelopment)
    {
        try
        {
            if (!string.IsNullOrWhiteSpace(options.RootKey))
            {
                return new RootKeySource(RootKeyFile.FromBase64(options.RootKey), GeneratedFile: null);
            }

            if (isDevelopment)
            {
                var path = Path.GetFullPath(options.RootKeyFile ?? Path.Combine(options.DataDir, "root.key"));
                var material = RootKeyFile.LoadOrCreate(path, out var created);
                return new RootKeySource(material, created ? path : null);
            }

            if (!string.IsNullOrWhiteSpace(options.RootKeyFile))
            {
                return File.Exists(options.RootKeyFile)
                    ? new RootKeySource(RootKeyFile.LoadOrCreate(options.RootKeyFile), GeneratedFile: null)
                    : throw new StartupException($"Kms:RootKeyFile '{options.RootKeyFile}' does not exist. Outside Development the root key is never generated: create it (32 random bytes, base64) and restrict it to the service's user.");
            }
        }
        catch (InvalidOperationException e)
        {
            // A malformed key file or value: the message names the setting or the path, never the content.
            throw new StartupException(e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The key file could not be created or read (a folder in its place, no permission, a full disk).
            throw new StartupException($"The root key file cannot be used: {e.Message}");
        }

        throw new StartupException("No root key: outside Development set Kms:RootKeyFile (a mounted secret holding base64 of 32 random bytes, e.g. from `openssl rand -base64 32`) or Kms:RootKey.");
    }

    /// <summary>The root key's base64 text has done its job once the HSA holds the key: it is dropped from the options
    /// and from every configuration source (and the process environment), so no long-lived object keeps it.</summary>
    private static void ForgetRootKeySecret(ConfigurationManager configuration, KmsOptions options)
    {
        options.RootKey = null;
        if (configuration[KmsOptions.Section + ":RootKey"] is not null)
        {
            configuration[KmsOptions.Section + ":RootKey"] = null;
        }

        // Environment variables are read case-insensitively, with "__" for ":".
        foreach (var name in Environment.GetEnvironmentVariables().Keys.OfType<string>().ToList())
        {
            if (name.Replace("__", ":", StringComparison.Ordinal).Equals(KmsOptions.Section + ":RootKey", StringComparison.OrdinalIgnoreCase))
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }
}
