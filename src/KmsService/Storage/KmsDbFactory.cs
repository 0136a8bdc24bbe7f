using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>Hands out a context of whichever provider is configured, from EF Core's pooled factory.</summary>
internal sealed class KmsDbFactory(Func<KmsDbContext> create)
{
    public KmsDbContext Create() => create();

    public static KmsDbFactory For<TContext>(IDbContextFactory<TContext> factory)
        where TContext : KmsDbContext => new(factory.CreateDbContext);
}
