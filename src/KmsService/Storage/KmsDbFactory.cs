using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace KmsService.Storage;

/// <summary>Hands out a context of whichever provider is configured, from EF Core's pooled factory.</summary>
internal sealed class KmsDbFactory(Func<KmsDbContext> create)
{
    public KmsDbContext Create() => create();

    /// <summary>Empties the provider's connection pool for this store: idle connections are closed, those in use are
    /// closed when returned, and the next call opens a new one.</summary>
    public void ClearConnectionPool()
    {
        using var ctx = Create();
        switch (ctx.Database.GetDbConnection())
        {
            case SqliteConnection sqlite:
                SqliteConnection.ClearPool(sqlite);
                break;
            case NpgsqlConnection postgres:
                NpgsqlConnection.ClearPool(postgres);
                break;
        }
    }

    public static KmsDbFactory For<TContext>(IDbContextFactory<TContext> factory)
        where TContext : KmsDbContext => new(factory.CreateDbContext);
}
