using KmsService.Core.Auth;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Identity;
using KmsService.Lifecycle;
using KmsService.Protocol;
using KmsService.Seed;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace KmsService;

/// <summary>Builds the web application (configuration, services, the one KMS endpoint) and prepares the store
/// (migrations, seed) before it listens.</summary>
internal static class KmsApp
{
    /// <summary>Builds, migrates and seeds; the returned app is ready to <c>RunAsync</c> or <c>StartAsync</c>.</summary>
    public static async Task<WebApplication> CreateAsync(string[] args, Action<IServiceCollection>? configure = null, CancellationToken ct = default)
    {
        var builder = WebApplication.CreateBuilder(args);
        HotPathDefaults.Apply(builder);
        var options = builder.Configuration.GetSection(KmsOptions.Section).Get<KmsOptions>() ?? new KmsOptions();
        var isDevelopment = builder.Environment.IsDevelopment();

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 2 * KmsEndpoint.MaxBodyBytes;
        });

        var seed = ReadSeed(options, isDevelopment);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(seed);
        builder.Services.AddSingleton(BuildIdentities(options, seed, isDevelopment));
        builder.Services.AddSingleton(new KnownPrincipals(
            isDevelopment ? seed.Accounts.Append(IdentityStore.DevelopmentAccount) : seed.Accounts, seed.PrincipalArns));
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IHsa>(sp => new SoftwareHsa(LoadRootKey(options, isDevelopment), sp.GetRequiredService<TimeProvider>()));
        // Signatures are checked against the wall clock the clients sign with; the injected TimeProvider is the
        // service's clock for key lifecycle (creation, deletion and rotation dates), which tests move forward.
        builder.Services.AddSingleton(new SigV4Verifier(TimeProvider.System));
        AddStore(builder.Services, options, builder.Configuration);
        builder.Services.AddSingleton(ChangeFeed.Create(options, builder.Configuration));
        builder.Services.AddSingleton<ChangeListener>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<ChangeListener>());
        builder.Services.AddSingleton<KeyStore>();
        builder.Services.AddSingleton<TagStore>();
        builder.Services.AddSingleton<AliasStore>();
        builder.Services.AddSingleton<GrantStore>();
        builder.Services.AddSingleton<SeedApplier>();
        builder.Services.AddSingleton<KeyDeletionService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyDeletionService>());
        builder.Services.AddSingleton<RotationStore>();
        builder.Services.AddSingleton<KeyRotationService>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<KeyRotationService>());
        builder.Services.AddSingleton<Authenticator>();
        builder.Services.AddSingleton(new RequestRateLimiter(options.RateLimits, isDevelopment));
        builder.Services.AddSingleton<KmsEndpoint>();
        builder.Services.AddSingleton<ResetEndpoint>();
        OperationTable.Register(builder.Services);
        builder.Services.AddHealthChecks();
        configure?.Invoke(builder.Services);

        var app = builder.Build();
        // KMS calls are taken before routing (KmsEndpoint.TakesBeforeRouting); routing then serves what is mapped below.
        var kms = app.Services.GetRequiredService<KmsEndpoint>();
        app.Use(next => http => KmsEndpoint.TakesBeforeRouting(http) ? kms.HandleAsync(http) : next(http));
        app.UseRouting();
        app.MapHealthChecks("/_kms/health");
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

    private static async Task PrepareStoreAsync(IServiceProvider services, CancellationToken ct)
    {
        await using (var db = services.GetRequiredService<KmsDbFactory>().Create())
        {
            await db.Database.MigrateAsync(ct);
            if (db.Database.IsSqlite())
            {
                // WAL lets readers run while one writer commits.
                await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
            }
        }

        await services.GetRequiredService<SeedApplier>().ApplyAsync(services.GetRequiredService<SeedDocument>(), ct);
    }

    private static void AddStore(IServiceCollection services, KmsOptions options, IConfiguration configuration)
    {
        switch (options.Store.ToLowerInvariant())
        {
            case "sqlite":
                Directory.CreateDirectory(options.DataDir);
                var file = Path.GetFullPath(Path.Combine(options.DataDir, "kms.db"));
                services.AddPooledDbContextFactory<SqliteKmsDbContext>(o => o.UseSqlite($"Data Source={file};Pooling=True"));
                services.AddSingleton(sp => KmsDbFactory.For(sp.GetRequiredService<IDbContextFactory<SqliteKmsDbContext>>()));
                break;
            case "postgres":
                var cs = configuration.GetConnectionString("Kms");
                if (string.IsNullOrWhiteSpace(cs))
                {
                    throw new StartupException("Kms:Store is 'postgres' but ConnectionStrings:Kms is not set (e.g. ConnectionStrings__Kms=\"Host=localhost;Database=kms;Username=kms;Password=...\").");
                }

                services.AddPooledDbContextFactory<PostgresKmsDbContext>(o => o.UseNpgsql(cs));
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
        return new IdentityStore(accessKeys, allowUnknown ? IdentityStore.DevelopmentRoot : null);
    }

    private static KeyMaterial LoadRootKey(KmsOptions options, bool isDevelopment)
    {
        if (!string.IsNullOrWhiteSpace(options.RootKey))
        {
            return RootKeyFile.FromBase64(options.RootKey);
        }

        if (isDevelopment)
        {
            return RootKeyFile.LoadOrCreate(options.RootKeyFile ?? Path.Combine(options.DataDir, "root.key"));
        }

        if (!string.IsNullOrWhiteSpace(options.RootKeyFile))
        {
            return File.Exists(options.RootKeyFile)
                ? RootKeyFile.LoadOrCreate(options.RootKeyFile)
                : throw new StartupException($"Kms:RootKeyFile '{options.RootKeyFile}' does not exist. Outside Development the root key is never generated: create it (32 random bytes, base64) and restrict it to the service's user.");
        }

        throw new StartupException("No root key: outside Development set Kms:RootKey (Kms__RootKey, base64 of 32 random bytes, e.g. from `openssl rand -base64 32`) or Kms:RootKeyFile.");
    }
}
