using KmsService.Audit.Store;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>The one EF Core model; each provider subclasses it so that it has its own migrations.</summary>
internal abstract class KmsDbContext(DbContextOptions options) : DbContext(options)
{
    public DbSet<KeyRow> Keys => Set<KeyRow>();
    public DbSet<BackingKeyRow> BackingKeys => Set<BackingKeyRow>();
    public DbSet<AliasRow> Aliases => Set<AliasRow>();
    public DbSet<TagRow> Tags => Set<TagRow>();
    public DbSet<GrantRow> Grants => Set<GrantRow>();
    public DbSet<StoreMetaRow> StoreMeta => Set<StoreMetaRow>();
    public DbSet<IdentityAccountRow> IdentityAccounts => Set<IdentityAccountRow>();
    public DbSet<IdentityPrincipalRow> IdentityPrincipals => Set<IdentityPrincipalRow>();
    public DbSet<IdentityAccessKeyRow> IdentityAccessKeys => Set<IdentityAccessKeyRow>();
    public DbSet<IdentityPolicyRow> IdentityPolicies => Set<IdentityPolicyRow>();
    public DbSet<IdentityPrincipalTagRow> IdentityPrincipalTags => Set<IdentityPrincipalTagRow>();
    public DbSet<AuditRecordRow> AuditRecords => Set<AuditRecordRow>();
    public DbSet<AuditDigestRow> AuditDigests => Set<AuditDigestRow>();
    public DbSet<AuditChainHeadRow> AuditChainHead => Set<AuditChainHeadRow>();
    public DbSet<AuditCheckpointRow> AuditCheckpoints => Set<AuditCheckpointRow>();
    public DbSet<AuditExportCursorRow> AuditExportCursor => Set<AuditExportCursorRow>();
    public DbSet<KeyLastUsageRow> KeyLastUsage => Set<KeyLastUsageRow>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<KeyRow>(e =>
        {
            e.ToTable("keys");
            e.HasKey(k => k.Arn);
            e.Property(k => k.Arn).HasMaxLength(256);
            e.Property(k => k.KeyId).HasMaxLength(64);
            e.Property(k => k.AccountId).HasMaxLength(12);
            e.Property(k => k.Region).HasMaxLength(64);
            e.Property(k => k.Description).HasMaxLength(8192);
            e.Property(k => k.KeyState).HasMaxLength(32);
            e.Property(k => k.KeyUsage).HasMaxLength(32);
            e.Property(k => k.KeySpec).HasMaxLength(32);
            e.Property(k => k.Origin).HasMaxLength(32);
            e.Property(k => k.ExpirationModel).HasMaxLength(32);
            e.Property(k => k.KeyManager).HasMaxLength(16);
            e.Property(k => k.CurrentMaterialId).HasMaxLength(64);
            e.Property(k => k.MultiRegionKeyType).HasMaxLength(16);
            e.Property(k => k.Version).IsConcurrencyToken();
            e.HasIndex(k => new { k.AccountId, k.KeyId });
            e.HasIndex(k => new { k.AccountId, k.Region, k.KeyId }).IsUnique();
            e.HasIndex(k => k.NextRotationDate);
        });

        modelBuilder.Entity<BackingKeyRow>(e =>
        {
            e.ToTable("backing_keys");
            e.HasKey(b => new { b.KeyArn, b.MaterialId });
            e.Property(b => b.KeyArn).HasMaxLength(256);
            e.Property(b => b.MaterialId).HasMaxLength(64);
            e.Property(b => b.RotationType).HasMaxLength(16);
            e.Property(b => b.ExpirationModel).HasMaxLength(32);
            e.Property(b => b.KeyMaterialDescription).HasMaxLength(256);

            // The expiry sweep's query: imported material whose ValidTo has passed.
            e.HasIndex(b => b.ValidTo);
            e.HasIndex(b => new { b.KeyArn, b.Sequence }).IsUnique();
            e.HasOne<KeyRow>().WithMany().HasForeignKey(b => b.KeyArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<AliasRow>(e =>
        {
            e.ToTable("aliases");
            e.HasKey(a => new { a.AccountId, a.Region, a.AliasName });
            e.Property(a => a.AccountId).HasMaxLength(12);
            e.Property(a => a.Region).HasMaxLength(64);
            e.Property(a => a.AliasName).HasMaxLength(256);
            e.Property(a => a.TargetKeyArn).HasMaxLength(256);
            e.HasIndex(a => a.TargetKeyArn);
            e.HasOne<KeyRow>().WithMany().HasForeignKey(a => a.TargetKeyArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<TagRow>(e =>
        {
            e.ToTable("tags");
            e.HasKey(t => new { t.KeyArn, t.TagKey });
            e.Property(t => t.KeyArn).HasMaxLength(256);
            e.Property(t => t.TagKey).HasMaxLength(128);
            e.Property(t => t.TagValue).HasMaxLength(256);
            e.HasOne<KeyRow>().WithMany().HasForeignKey(t => t.KeyArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<GrantRow>(e =>
        {
            e.ToTable("grants");
            e.HasKey(g => g.GrantId);
            e.Property(g => g.GrantId).HasMaxLength(128);
            e.Property(g => g.KeyArn).HasMaxLength(256);
            e.Property(g => g.AccountId).HasMaxLength(12);
            e.Property(g => g.Region).HasMaxLength(64);
            e.Property(g => g.Name).HasMaxLength(256);
            e.Property(g => g.GranteePrincipal).HasMaxLength(256);
            e.Property(g => g.RetiringPrincipal).HasMaxLength(256);
            e.Property(g => g.IssuingAccount).HasMaxLength(256);
            e.Property(g => g.Operations).HasMaxLength(512);
            e.Property(g => g.GrantToken).HasMaxLength(8192);
            e.HasIndex(g => new { g.KeyArn, g.CreationDate, g.GrantId });
            e.HasIndex(g => new { g.RetiringPrincipal, g.Region });
            e.HasOne<KeyRow>().WithMany().HasForeignKey(g => g.KeyArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<StoreMetaRow>(e =>
        {
            e.ToTable("store_meta");
            e.HasKey(m => m.Name);
            e.Property(m => m.Name).HasMaxLength(64);
            e.Property(m => m.Value).HasMaxLength(1024);
        });

        ConfigureIdentities(modelBuilder);
        AuditModel.Configure(modelBuilder);

        modelBuilder.Entity<KeyLastUsageRow>(e =>
        {
            e.ToTable(KeyUsageStore.Table);
            e.HasKey(u => u.KeyArn);
            e.Property(u => u.KeyArn).HasMaxLength(256);
            e.Property(u => u.Operation).HasMaxLength(64);
            e.Property(u => u.CloudTrailEventId).HasMaxLength(64);
            e.Property(u => u.KmsRequestId).HasMaxLength(64);
            e.HasOne<KeyRow>().WithMany().HasForeignKey(u => u.KeyArn).OnDelete(DeleteBehavior.Cascade);
        });
    }

    // Identities made through the admin API; a principal's keys, policies and tags go with it.
    private static void ConfigureIdentities(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<IdentityAccountRow>(e =>
        {
            e.ToTable("identity_accounts");
            e.HasKey(a => a.AccountId);
            e.Property(a => a.AccountId).HasMaxLength(12);
        });

        modelBuilder.Entity<IdentityPrincipalRow>(e =>
        {
            e.ToTable("identity_principals");
            e.HasKey(p => p.Arn);
            e.Property(p => p.Arn).HasMaxLength(256);
            e.Property(p => p.AccountId).HasMaxLength(12);
            e.HasIndex(p => p.AccountId);
        });

        modelBuilder.Entity<IdentityAccessKeyRow>(e =>
        {
            e.ToTable("identity_access_keys");
            e.HasKey(k => k.AccessKeyId);
            e.Property(k => k.AccessKeyId).HasMaxLength(128);
            e.Property(k => k.PrincipalArn).HasMaxLength(256);
            e.Property(k => k.WrappedSecret).HasMaxLength(256);
            e.Property(k => k.Status).HasMaxLength(16);
            e.HasIndex(k => k.PrincipalArn);
            e.HasOne<IdentityPrincipalRow>().WithMany().HasForeignKey(k => k.PrincipalArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<IdentityPolicyRow>(e =>
        {
            e.ToTable("identity_policies");
            e.HasKey(p => new { p.PrincipalArn, p.PolicyName });
            e.Property(p => p.PrincipalArn).HasMaxLength(256);
            e.Property(p => p.PolicyName).HasMaxLength(128);
            e.Property(p => p.Document).HasMaxLength(32768);
            e.HasOne<IdentityPrincipalRow>().WithMany().HasForeignKey(p => p.PrincipalArn).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<IdentityPrincipalTagRow>(e =>
        {
            e.ToTable("identity_principal_tags");
            e.HasKey(t => new { t.PrincipalArn, t.TagKey });
            e.Property(t => t.PrincipalArn).HasMaxLength(256);
            e.Property(t => t.TagKey).HasMaxLength(128);
            e.Property(t => t.TagValue).HasMaxLength(256);
            e.HasOne<IdentityPrincipalRow>().WithMany().HasForeignKey(t => t.PrincipalArn).OnDelete(DeleteBehavior.Cascade);
        });
    }
}

/// <summary>SQLite flavour of the model (embedded store); migrations in Migrations/Sqlite.</summary>
internal sealed class SqliteKmsDbContext(DbContextOptions<SqliteKmsDbContext> options) : KmsDbContext(options);

/// <summary>PostgreSQL flavour of the model; migrations in Migrations/Postgres.</summary>
internal sealed class PostgresKmsDbContext(DbContextOptions<PostgresKmsDbContext> options) : KmsDbContext(options);
