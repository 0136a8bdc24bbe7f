using System.Diagnostics;
using KmsService.Core.Errors;
using KmsService.Hosting;

namespace KmsService.Storage;

/// <summary>
/// Knows whether the store is out, and keeps an outage out of the log but once. The first store fault
/// (<see cref="StoreFaults"/>) begins an outage: one warning, the connection pool emptied (its connections may be dead
/// or read-only), and a probe every <see cref="ProbeInterval"/> until the store is ready again, which ends it with one
/// line giving its duration and how many calls failed. Meanwhile calls that need the store answer AWS's retryable
/// faults, and readers may serve cache entries up to <see cref="MaxStaleness"/> past their time to live.
/// </summary>
/// <remarks>Outage times are wall-clock (a stopwatch), not the lifecycle clock tests move.</remarks>
internal sealed partial class StoreOutage : IDisposable
{
    /// <summary>How often an outage probes the store for its end.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromMilliseconds(250);

    private readonly StoreProbe _probe;
    private readonly KmsDbFactory _db;
    private readonly ILogger<StoreOutage> _logger;
    private readonly CancellationTokenSource _stopping = new();
    private int _active;
    private long _startedAt;
    private long _failedCalls;

    public StoreOutage(StoreProbe probe, KmsDbFactory db, CacheOptions cache, ILogger<StoreOutage> logger)
    {
        _probe = probe;
        _db = db;
        _logger = logger;
        MaxStaleness = TimeSpan.FromSeconds(Math.Max(0, cache.OutageStaleSeconds));
    }

    /// <summary>True from the first store fault until a probe finds the store ready again.</summary>
    public bool IsActive => Volatile.Read(ref _active) == 1;

    /// <summary>How long past its time to live a cached entry may be served while the store is out.</summary>
    public TimeSpan MaxStaleness { get; }

    /// <summary>Notices a failed store access: returns whether <paramref name="exception"/> is a store fault, and
    /// begins an outage if none is on.</summary>
    public bool Notice(Exception exception)
    {
        var fault = StoreFaults.Classify(exception);
        if (fault == StoreFault.None)
        {
            return false;
        }

        ForgetBrokenConnections(exception);
        Begin(fault, exception);
        return true;
    }

    /// <summary>The AWS error a call that failed with <paramref name="exception"/>, a store fault, answers; the call
    /// is counted against the outage.</summary>
    public KmsException FailCall(Exception exception)
    {
        var fault = StoreFaults.Classify(exception);
        ForgetBrokenConnections(exception);
        Begin(fault, exception);
        Interlocked.Increment(ref _failedCalls);
        return StoreFaults.Answer(fault);
    }

    /// <summary>Probes the store (readiness); a ready store ends an outage, a store fault begins one.</summary>
    public async Task<StoreProbeResult> CheckAsync(CancellationToken ct)
    {
        var result = await _probe.CheckAsync(ct);
        if (result.IsReady)
        {
            End();
        }
        else if (result.Failure is { } failure)
        {
            Notice(failure);
        }

        return result;
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
    }

    // SQLite opens a file it cannot write (the database, or its -wal or -shm file) read-only and keeps the connection
    // so: every connection opened while the cause lasts is one (the probes' too), not only those of the outage's
    // start. Each such failure empties the pool, so the first write after the cause is gone opens a new connection.
    private void ForgetBrokenConnections(Exception exception)
    {
        if (StoreFaults.IsSqliteWriteFault(exception))
        {
            _db.ClearConnectionPool();
        }
    }

    private void Begin(StoreFault fault, Exception exception)
    {
        if (Interlocked.CompareExchange(ref _active, 1, 0) != 0)
        {
            return;
        }

        Volatile.Write(ref _startedAt, Stopwatch.GetTimestamp());

        // Npgsql keeps idle connections the outage may have killed; SQLite keeps connections opened read-only. Neither
        // should serve a call once the store is back.
        _db.ClearConnectionPool();

        // The message only: a stack trace says nothing about an outage. Npgsql and SQLite messages carry no secret.
        var cause = exception.GetBaseException();
        LogUnavailable(_logger, fault, cause.GetType().Name, cause.Message);
        _ = Task.Run(RecoverAsync, CancellationToken.None);
    }

    private async Task RecoverAsync()
    {
        var stopping = _stopping.Token;
        try
        {
            while (IsActive)
            {
                await Task.Delay(ProbeInterval, stopping);
                await CheckAsync(stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Shutting down.
        }
        catch (ObjectDisposedException)
        {
            // Shut down while probing.
        }
    }

    private void End()
    {
        if (Interlocked.CompareExchange(ref _active, 0, 1) != 1)
        {
            return;
        }

        var failed = Interlocked.Exchange(ref _failedCalls, 0);
        LogRecovered(_logger, Stopwatch.GetElapsedTime(Volatile.Read(ref _startedAt)), failed);
    }

    [LoggerMessage(EventId = EventIds.StoreUnavailable, Level = LogLevel.Warning, Message = "The store is unavailable ({Fault}: {ErrorType}: {Error}); calls that need it fail with a retryable error until it recovers")]
    private static partial void LogUnavailable(ILogger logger, StoreFault fault, string errorType, string error);

    [LoggerMessage(EventId = EventIds.StoreRecovered, Level = LogLevel.Warning, Message = "The store is available again after {Duration}; {FailedCalls} calls failed meanwhile")]
    private static partial void LogRecovered(ILogger logger, TimeSpan duration, long failedCalls);
}
