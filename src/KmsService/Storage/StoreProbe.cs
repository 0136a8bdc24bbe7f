using KmsService.Core.Crypto;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Storage;

/// <summary>The outcome of a <see cref="StoreProbe"/> check: a fixed description (it is served unauthenticated, so it
/// names no host, path or error text); the exception, if any, is for the log.</summary>
internal sealed record StoreProbeResult(bool IsReady, string Description, Exception? Failure = null);

/// <summary>
/// Checks that the store can serve this instance: it answers a query, its migrations are all applied, it holds this
/// root key's key-check value, and it accepts a committed write (an upsert of one <c>store_meta</c> row, which a full
/// disk, a read-only file or a standby refuses; a rolled-back write would not reach the disk on SQLite). Every check
/// gets <see cref="Timeout"/>, and at most one runs at a time (callers share it), so a hung database costs one
/// connection and answers "not ready" within the timeout.
/// </summary>
internal sealed class StoreProbe(KmsDbFactory db, IHsa hsa, TimeProvider time)
{
    /// <summary>The most a check waits for the store.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    /// <summary>The <c>store_meta</c> row the write check upserts (its value: when it last did).</summary>
    public const string MetaName = "ready_probe";

    private static readonly StoreProbeResult Ready = new(true, "The store answers and accepts writes.");

    private readonly Lock _lock = new();
    private Task<StoreProbeResult>? _running;

    public async Task<StoreProbeResult> CheckAsync(CancellationToken ct)
    {
        Task<StoreProbeResult> running;
        lock (_lock)
        {
            if (_running is null || _running.IsCompleted)
            {
                _running = Task.Run(RunAsync, CancellationToken.None);
            }

            running = _running;
        }

        try
        {
            return await running.WaitAsync(Timeout, ct);
        }
        catch (TimeoutException e)
        {
            return new StoreProbeResult(false, $"The store did not answer within {Timeout.TotalSeconds:0} s.", e);
        }
    }

    private async Task<StoreProbeResult> RunAsync()
    {
        try
        {
            // Not cancelled by a caller who stops waiting: the command timeout (and the connection's own) bound it.
            await using var ctx = db.Create();
            ctx.Database.SetCommandTimeout(Timeout);
            if ((await ctx.Database.GetPendingMigrationsAsync()).Any())
            {
                return new StoreProbeResult(false, "The store has migrations that are not applied.");
            }

            if (!await RootKeyCheck.ChecksOutAsync(ctx, hsa, CancellationToken.None))
            {
                return new StoreProbeResult(false, "The store does not hold this root key's key-check value.");
            }

            var now = time.GetUtcNow().ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            await ctx.Database.ExecuteSqlAsync(
                $"""INSERT INTO store_meta ("Name", "Value") VALUES ({MetaName}, {now}) ON CONFLICT ("Name") DO UPDATE SET "Value" = excluded."Value" """);
            return Ready;
        }
#pragma warning disable CA1031 // Whatever failed, the store is not ready; the caller classifies and logs the exception.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return StoreFaults.Classify(e) switch
            {
                StoreFault.Unwritable => new StoreProbeResult(false, "The store refuses writes.", e),
                StoreFault.Unreachable => new StoreProbeResult(false, "The store cannot be reached.", e),
                _ => new StoreProbeResult(false, "The store check failed unexpectedly.", e),
            };
        }
    }
}
