using KmsService.Audit.Records;
using KmsService.Storage;

namespace KmsService.Audit.Store;

/// <summary>The endpoint's sink when auditing is on: each call's record (one copy per account it concerns) goes to the
/// group-commit writer, and the call's answer waits until the batch holding it has committed.</summary>
internal sealed class AuditStoreSink(AuditWriter writer, AuditChain chain) : IAuditSink
{
    public ValueTask AppendAsync(AuditEvent e, CancellationToken ct) => new(writer.AppendAsync(AuditEntries.Of(e), ct));

    public bool Transactional => true;

    public Task AppendInTransactionAsync(KmsDbContext db, AuditEvent e, CancellationToken ct) =>
        chain.AppendAsync(db, AuditEntries.Of(e), ct);
}
