using System.Diagnostics;
using System.Threading.Channels;
using KmsService.Core.Errors;
using KmsService.Hosting;
using KmsService.Protocol;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Audit.Store;

/// <summary>
/// The group-commit writer: callers queue a record and wait; one loop drains up to <c>BatchSize</c> records into one
/// transaction, and every caller of the batch resumes once it commits. A batch that fails fails every one of its
/// callers with the store's fault (fail closed: a call whose record is not durable answers an error, no result). While
/// no record arrives, the loop wakes every <c>DigestSeconds</c> to sign a digest of records still waiting for one.
/// </summary>
internal sealed partial class AuditWriter : BackgroundService
{
    private readonly Channel<Pending> _queue;
    private readonly KmsDbFactory _db;
    private readonly AuditChain _chain;
    private readonly AuditStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<AuditWriter> _log;
    private readonly StoreOutage? _outage;
    private readonly KmsMetrics? _metrics;

    // The writer's own context, its connection kept open between batches with its statements prepared (see
    // AuditRowInserter); dropped after any failure, opened again for the next batch.
    private AuditRowInserter? _statements;

    /// <param name="outage">The service's outage tracker: a store fault begins an outage (one warning, the connection
    /// pool emptied, probes until it ends) and counts the batch's calls; null where there is none (tests).</param>
    /// <param name="metrics">Where committed batches are measured (size, commit time, lag); null where there is none.</param>
    public AuditWriter(
        KmsDbFactory db, AuditChain chain, AuditStoreOptions options, TimeProvider time, ILogger<AuditWriter> log, StoreOutage? outage = null,
        KmsMetrics? metrics = null)
    {
        _outage = outage;
        _metrics = metrics;
        _db = db;
        _chain = chain;
        _options = options;
        _time = time;
        _log = log;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(Math.Max(1, options.QueueCapacity))
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    /// <summary>Records queued and not yet taken into a batch (for the queue-length gauge).</summary>
    public int QueueLength => _queue.Reader.Count;

    /// <summary>Completes once <paramref name="entry"/> is committed in the chain.</summary>
    /// <exception cref="ArgumentException">The entry does not fit its columns (see <see cref="AuditEntryLimits"/>).</exception>
    /// <exception cref="KmsException">The store could not be written (<c>DependencyTimeoutException</c> or
    /// <c>KMSInternalException</c>, as <see cref="StoreFaults"/> answers), or the service is stopping.</exception>
    public Task AppendAsync(AuditEntry entry, CancellationToken ct = default) => AppendAsync([entry], ct);

    /// <summary>Completes once every one of <paramref name="entries"/> (one call's copies, one per account) is
    /// committed; they are committed in the same transaction.</summary>
    public async Task AppendAsync(AuditEntry[] entries, CancellationToken ct = default)
    {
        foreach (var entry in entries)
        {
            AuditEntryLimits.Validate(entry);
        }

        var pending = new Pending(entries, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), Stopwatch.GetTimestamp());
        try
        {
            await _queue.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw new KMSInternalException(KmsEndpoint.InternalErrorMessage);
        }

        // Once queued the record is written whatever the caller does; only the wait is given up.
        await pending.Done.Task.WaitAsync(ct);
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        // No new records; the loop commits those already queued, then ends.
        _queue.Writer.TryComplete();
        return base.StopAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _queue.Reader;
        var batchSize = Math.Max(1, _options.BatchSize);
        var batch = new List<Pending>(batchSize);
        var digestPeriod = _options.DigestSeconds > 0 ? TimeSpan.FromSeconds(_options.DigestSeconds) : Timeout.InfiniteTimeSpan;
        while (true)
        {
            bool open;
            using (var timer = new CancellationTokenSource(digestPeriod, _time))
            {
                try
                {
                    open = await reader.WaitToReadAsync(timer.Token);
                }
                catch (OperationCanceledException) when (timer.IsCancellationRequested)
                {
                    await DigestIfDueAsync(stoppingToken);
                    continue;
                }
            }

            if (!open)
            {
                await CloseConnectionAsync();
                return;
            }

            batch.Clear();
            var records = 0;
            while (records < batchSize && reader.TryRead(out var pending))
            {
                batch.Add(pending);
                records += pending.Entries.Length;
            }

            // Not cancelled by stopping: the queued callers wait for this commit.
            await CommitAsync(batch, CancellationToken.None);
        }
    }

    private async Task CommitAsync(List<Pending> batch, CancellationToken ct)
    {
        var startedAt = Stopwatch.GetTimestamp();
        try
        {
            var statements = await OpenConnectionAsync(ct);
            await using (var tx = await statements.Db.Database.BeginTransactionAsync(ct))
            {
                await _chain.AppendAsync(statements, [.. batch.SelectMany(p => p.Entries)], ct);
                await tx.CommitAsync(ct);
            }

            // A digest row the append added stays tracked after its save.
            statements.Db.ChangeTracker.Clear();
        }
#pragma warning disable CA1031 // Any failure fails the batch's callers; none may be left waiting.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await CloseConnectionAsync();
            var fault = StoreFaults.Classify(e);
            if (fault == StoreFault.None || _outage is null)
            {
                // A bug or a malformed row: its stack trace is wanted. An outage is logged once by StoreOutage.
                LogCommitFailed(_log, batch.Count, fault, e);
            }

            foreach (var pending in batch)
            {
                pending.Done.TrySetException(fault == StoreFault.None
                    ? new KMSInternalException(KmsEndpoint.InternalErrorMessage)
                    : _outage?.FailCall(e) ?? StoreFaults.Answer(fault));
            }

            return;
        }

        if (_metrics is not null)
        {
            var records = 0;
            var oldest = long.MaxValue;
            foreach (var pending in batch)
            {
                records += pending.Entries.Length;
                oldest = Math.Min(oldest, pending.QueuedAt);
            }

            _metrics.AuditBatch(records, startedAt, oldest);
        }

        foreach (var pending in batch)
        {
            pending.Done.TrySetResult();
        }
    }

    private async Task DigestIfDueAsync(CancellationToken ct)
    {
        try
        {
            var statements = await OpenConnectionAsync(ct);
            await using (var tx = await statements.Db.Database.BeginTransactionAsync(ct))
            {
                if (await _chain.DigestIfDueAsync(statements, ct))
                {
                    await tx.CommitAsync(ct);
                }
            }

            statements.Db.ChangeTracker.Clear();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping: the next start signs it.
            await CloseConnectionAsync();
        }
#pragma warning disable CA1031 // A digest that fails is retried at the next period or batch.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await CloseConnectionAsync();
            LogDigestFailed(_log, StoreFaults.Classify(e), e.Message);
        }
    }

    private async Task<AuditRowInserter> OpenConnectionAsync(CancellationToken ct)
    {
        if (_statements is null)
        {
            var db = _db.Create();
            try
            {
                await db.Database.OpenConnectionAsync(ct);
            }
            catch
            {
                await db.DisposeAsync();
                throw;
            }

            _statements = new AuditRowInserter(db);
        }

        return _statements;
    }

    private async Task CloseConnectionAsync()
    {
        if (_statements is { } statements)
        {
            _statements = null;
            await statements.DisposeAsync();
            await statements.Db.DisposeAsync();
        }
    }

    private sealed record Pending(AuditEntry[] Entries, TaskCompletionSource Done, long QueuedAt);

    [LoggerMessage(EventId = EventIds.AuditCommitFailed, Level = LogLevel.Error, Message = "{Count} audit records could not be committed ({Fault}); their calls fail")]
    private static partial void LogCommitFailed(ILogger logger, int count, StoreFault fault, Exception exception);

    [LoggerMessage(EventId = EventIds.AuditDigestFailed, Level = LogLevel.Warning, Message = "The audit digest could not be signed ({Fault}: {Error}); retried at the next period")]
    private static partial void LogDigestFailed(ILogger logger, StoreFault fault, string error);
}
