using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore.Storage;

namespace KmsService.Audit.Store;

/// <summary>
/// The record of a state-changing call, appended in the transaction of the change itself, so that the change and its
/// record commit together or not at all: a crash can leave neither a change without its record nor a record of a change
/// that did not happen. The endpoint makes one for each call of an operation that is not read-only; the stores'
/// writes take it and commit through <see cref="CommitAsync"/>. When the call ends without such a commit (it failed,
/// or changed nothing), the endpoint records it through the group-commit writer as any other call.
/// </summary>
internal sealed class AuditInTransaction(IAuditSink sink, Func<AuditEvent> record)
{
    private readonly IAuditSink _sink = sink;
    private readonly Func<AuditEvent> _record = record;
    private CallContext? _call;
    private Func<AuditProjection>? _projection;

    /// <summary>True once a transaction holding the record has committed.</summary>
    public bool Committed { get; private set; }

    /// <summary>How the call's projection is made when its change commits (by the operation table, before the operation
    /// runs): of the request and the response the operation is expected to answer when it answers an empty one.</summary>
    public void Projecting(CallContext call, Func<AuditProjection> projection)
    {
        _call = call;
        _projection = projection;
    }

    /// <summary>The projection of the request and the response, when the operation answers more than an empty body:
    /// known before the change commits, and recorded with it.</summary>
    public void Responding(AuditProjection projection) => _projection = () => projection;

    /// <summary>For what the service does on its own: the record of <paramref name="e"/> in the change's transaction when
    /// the sink writes in store transactions, else null (then <see cref="AppendIfNotCommittedAsync"/> appends it after the
    /// change).</summary>
    public static AuditInTransaction? For(IAuditSink sink, AuditEvent e) => sink.Transactional ? new(sink, () => e) : null;

    /// <summary>After a change that happened: appends <paramref name="e"/> unless it was committed with the change.</summary>
    public static async Task AppendIfNotCommittedAsync(IAuditSink sink, AuditInTransaction? audit, AuditEvent e, CancellationToken ct)
    {
        if (audit is not { Committed: true })
        {
            await sink.AppendAsync(e, ct);
        }
    }

    /// <summary>Appends the record (when there is one to write), then commits <paramref name="tx"/>.</summary>
    /// <summary>As <see cref="CommitAsync(IDbContextTransaction, KmsDbContext, AuditInTransaction?, CancellationToken)"/>,
    /// with a second record of the same change in the same transaction (ReplicateKey's CreateKey in the replica region).</summary>
    public static async Task CommitAsync(
        IDbContextTransaction tx, KmsDbContext db, AuditInTransaction? audit, AuditInTransaction? second, CancellationToken ct)
    {
        if (second is { Committed: false })
        {
            await second._sink.AppendInTransactionAsync(db, second._record(), ct);
        }

        await CommitAsync(tx, db, audit, ct);
        second?.Committed = true;
    }

    public static async Task CommitAsync(IDbContextTransaction tx, KmsDbContext db, AuditInTransaction? audit, CancellationToken ct)
    {
        if (audit is null || audit.Committed)
        {
            await tx.CommitAsync(ct);
            return;
        }

        if (audit._call is { } call && audit._projection is { } projection)
        {
            // The record reads the call's projection, as the endpoint's record of any call does.
            call.Audit = projection();
        }

        await audit._sink.AppendInTransactionAsync(db, audit._record(), ct);
        await tx.CommitAsync(ct);
        audit.Committed = true;
    }
}
