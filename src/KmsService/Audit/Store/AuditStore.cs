using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Hosting;
using KmsService.Storage;

namespace KmsService.Audit.Store;

/// <summary>Registers the audit store: options (<c>Kms:Audit</c>), the chain, the group-commit writer, the verifier, and
/// the exporter and pruner (each idle unless configured).</summary>
internal static class AuditStore
{
    public static void Add(IServiceCollection services, IConfiguration configuration)
    {
        var options = configuration.GetSection(AuditStoreOptions.Section).Get<AuditStoreOptions>() ?? new AuditStoreOptions();
        services.AddSingleton(options);
        services.AddSingleton<AuditChain>();
        services.AddSingleton<AuditWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditWriter>());
        services.AddSingleton(sp => new AuditVerifier(sp.GetRequiredService<IHsa>()));
        if (options.Enabled)
        {
            services.AddSingleton<AuditStoreSink>();
            services.AddSingleton<IAuditSink>(sp => sp.GetRequiredService<AuditStoreSink>());
        }

        // A record without an awsRegion (none should lack one) goes to the files of the default region.
        var defaultRegion = configuration[$"{KmsOptions.Section}:{nameof(KmsOptions.DefaultRegion)}"] ?? new KmsOptions().DefaultRegion;
        services.AddSingleton(sp => new AuditExporter(
            sp.GetRequiredService<KmsDbFactory>(), options, defaultRegion, sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<AuditExporter>>(), sp.GetService<StoreOutage>()));
        services.AddHostedService(sp => sp.GetRequiredService<AuditExporter>());
        services.AddSingleton<AuditPruner>();
        services.AddHostedService(sp => sp.GetRequiredService<AuditPruner>());
    }
}
