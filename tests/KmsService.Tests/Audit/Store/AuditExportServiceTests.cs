using KmsService.Audit.Store;
using KmsService.Core.Crypto;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Audit.Store;

/// <summary>Export and retention as the service runs them: configured under <c>Kms:Audit</c>, driven by the service's
/// clock (a fake one here, moved forward instead of waited for).</summary>
public sealed class AuditExportServiceTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Service_WithExportAndRetention_ExportsOnItsTickThenPrunesWhatWasExported()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 8, 0, 0, TimeSpan.Zero));
        var folder = Directory.CreateTempSubdirectory("kms-export-svc-").FullName;
        await using var server = await KmsServer.StartAsync(configure: s => s.AddSingleton<TimeProvider>(time), extraArgs:
            ["--Kms:Audit:ExportFolder", folder, "--Kms:Audit:RetentionDays", "1", "--Kms:Audit:DigestEvery", "1", "--Kms:Audit:DigestSeconds", "0"]);
        await server.Services.GetRequiredService<AuditWriter>().AppendAsync(new AuditEntry(
            Guid.NewGuid().ToString(), time.GetUtcNow(), "000000000000", null, "ListKeys", "root", "test", null, null, true,
            "kms.amazonaws.com", "{\"eventName\":\"ListKeys\",\"awsRegion\":\"eu-central-1\"}"u8.ToArray()), Ct);

        var files = await UntilAsync(time, () => Task.FromResult(Directory.GetFiles(folder, "*.json.gz", SearchOption.AllDirectories)), f => f.Length > 0);
        var file = Assert.Single(files);
        Assert.Contains(Path.Combine("AWSLogs", "000000000000", "CloudTrail", "eu-central-1", "2026", "11", "30"), file, StringComparison.Ordinal);

        time.Advance(TimeSpan.FromDays(2));
        var factory = server.Services.GetRequiredService<KmsDbFactory>();
        var remaining = await UntilAsync(time, async () =>
        {
            await using var db = factory.Create();
            return await db.AuditRecords.CountAsync(Ct);
        }, count => count == 0);
        Assert.Equal(0, remaining);

        await using var check = factory.Create();
        var result = await new AuditVerifier(server.Services.GetRequiredService<IHsa>()).VerifyAsync(check, Ct);
        Assert.True(result.Valid, result.Message);
        Assert.Equal(1, result.PrunedThrough);
    }

    // Moves the clock a tick at a time until the service's loops have acted (bounded), rather than sleeping for them.
    private static async Task<T> UntilAsync<T>(FakeTimeProvider time, Func<Task<T>> read, Func<T, bool> done)
    {
        for (var i = 0; i < 200; i++)
        {
            var value = await read();
            if (done(value))
            {
                return value;
            }

            time.Advance(TimeSpan.FromSeconds(61));
            await Task.Delay(20, Ct);
        }

        return await read();
    }
}
