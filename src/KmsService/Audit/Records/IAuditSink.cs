namespace KmsService.Audit.Records;

/// <summary>Where the endpoint hands each call's record. The call's response is sent only once
/// <see cref="AppendAsync"/> has completed, so an implementation completes only when the record is durable, and throws
/// when it cannot be (the call then fails closed with KMSInternalException).</summary>
internal interface IAuditSink
{
    ValueTask AppendAsync(AuditEvent e, CancellationToken ct);

    /// <summary>Whether this sink can append a record inside a store transaction (<see cref="AppendInTransactionAsync"/>),
    /// so that a state change and its record commit together.</summary>
    bool Transactional => false;

    /// <summary>Appends the record inside <paramref name="db"/>'s open transaction; the caller commits.</summary>
    Task AppendInTransactionAsync(Storage.KmsDbContext db, AuditEvent e, CancellationToken ct) =>
        throw new NotSupportedException("This audit sink does not write in store transactions.");
}

/// <summary>The sink until the audit store exists: keeps nothing.</summary>
internal sealed class NullAuditSink : IAuditSink
{
    public ValueTask AppendAsync(AuditEvent e, CancellationToken ct) => ValueTask.CompletedTask;
}
