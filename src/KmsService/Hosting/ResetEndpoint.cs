using KmsService.Seed;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Hosting;

/// <summary><c>POST /_kms/reset</c> (only with <c>Kms:EnableResetEndpoint=true</c>): wipes the keys, backing keys,
/// aliases, tags and grants of every account in one transaction, then re-applies the seed file, so a test suite can start
/// each test from a clean state without a restart. Identities come from the seed file and stay.</summary>
internal sealed class ResetEndpoint(KmsDbFactory dbFactory, KeyStore keys, SeedApplier seeder, SeedDocument seed, ChangeFeed changes, GrantStore grants)
{
    public const string Path = "/_kms/reset";

    public async Task<IResult> HandleAsync(CancellationToken ct)
    {
        await using (var db = dbFactory.Create())
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);

            // INVARIANT: every table that hangs off a key is emptied here, children first.
            await db.Aliases.ExecuteDeleteAsync(ct);
            await db.Tags.ExecuteDeleteAsync(ct);
            await db.Grants.ExecuteDeleteAsync(ct);
            await db.BackingKeys.ExecuteDeleteAsync(ct);
            await db.Keys.ExecuteDeleteAsync(ct);
            await changes.PublishAsync(db, StoreChange.All, ct);
            await tx.CommitAsync(ct);
        }

        keys.ClearCaches();
        grants.ClearCaches();
        await seeder.ApplyAsync(seed, ct);
        return Results.Text("{}", "application/json");
    }
}
