using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace KmsService.Storage;

/// <summary>
/// EF Core logs every failed command, query, connection and SaveChanges as an error with a stack trace, before the
/// caller sees the exception. Here most failures are expected outcomes the caller handles (a duplicate alias is a
/// unique violation answered AlreadyExistsException; the first start on a fresh PostgreSQL database queries a history
/// table that does not exist yet) or store outages that <see cref="StoreOutage"/> logs once. So those events go to
/// Debug, and what is left unexpected is logged once, where it is answered (KmsEndpoint) or by the sweep that met it.
/// </summary>
internal static class ExpectedDbErrors
{
    public static DbContextOptionsBuilder LogFailuresAtDebug(this DbContextOptionsBuilder options) =>
        options.ConfigureWarnings(w => w.Log(
            (RelationalEventId.CommandError, LogLevel.Debug),
            (RelationalEventId.ConnectionError, LogLevel.Debug),
            (RelationalEventId.TransactionError, LogLevel.Debug),
            (CoreEventId.SaveChangesFailed, LogLevel.Debug),
            (CoreEventId.QueryIterationFailed, LogLevel.Debug)));
}
