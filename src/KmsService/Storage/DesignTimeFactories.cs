using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace KmsService.Storage;

/// <summary>Lets <c>dotnet ef migrations add … --context SqliteKmsDbContext</c> build the SQLite model.</summary>
internal sealed class SqliteDesignTimeFactory : IDesignTimeDbContextFactory<SqliteKmsDbContext>
{
    public SqliteKmsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<SqliteKmsDbContext>().UseSqlite("Data Source=design.db").Options);
}

/// <summary>Lets <c>dotnet ef migrations add … --context PostgresKmsDbContext</c> build the PostgreSQL model.</summary>
internal sealed class PostgresDesignTimeFactory : IDesignTimeDbContextFactory<PostgresKmsDbContext>
{
    public PostgresKmsDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<PostgresKmsDbContext>().UseNpgsql("Host=localhost;Database=kms_design").Options);
}
