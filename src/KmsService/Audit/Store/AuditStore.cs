using KmsService.Audit.Records;
using KmsService.Core.Crypto;

namespace KmsService.Audit.Store;

/// <summary>Registers the audit store: options (<c>Kms:Audit</c>), the chain, the group-commit writer and the verifier.</summary>
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
    }
}
