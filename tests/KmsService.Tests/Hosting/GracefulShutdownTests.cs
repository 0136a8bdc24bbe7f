using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;
using Microsoft.Data.Sqlite;

namespace KmsService.Tests.Hosting;

/// <summary>SIGTERM as a container runtime sends it, to the service in a process of its own under load: the calls in
/// flight finish with their audit records committed, and the process exits with code 0 within the shutdown
/// timeout.</summary>
public sealed class GracefulShutdownTests
{
    private const int Concurrency = 16;
    private const int ShutdownTimeoutSeconds = 10;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Sigterm_WithCallsInFlight_AnswersThemWithTheirAuditRecordsAndExitsZeroInTime()
    {
        var dir = Directory.CreateTempSubdirectory("kms-shutdown-").FullName;
        await using var service = await ServiceProcess.StartAsync(
            ["--Kms:DataDir", dir, "--Kms:ShutdownTimeoutSeconds", ShutdownTimeoutSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--Kms:RequestLog", "false"],
            [("ASPNETCORE_ENVIRONMENT", "Development")], Ct);
        using var kms = service.Client("test", "test");
        var keyId = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata.KeyId;

        var answered = new ConcurrentQueue<(HttpStatusCode Status, string RequestId, string? ErrorCode)>();
        var unanswered = 0;
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, Concurrency).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var response = await kms.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1, 2, 3]) }, CancellationToken.None);
                    answered.Enqueue((response.HttpStatusCode, response.ResponseMetadata.RequestId, null));
                }
                catch (AmazonKeyManagementServiceException e) when (e.StatusCode != 0 && !string.IsNullOrEmpty(e.ErrorCode) && !string.IsNullOrEmpty(e.RequestId))
                {
                    answered.Enqueue((e.StatusCode, e.RequestId, e.ErrorCode));
                }
#pragma warning disable CA1031 // No answer at all (refused, reset): allowed once the service stops listening.
                catch (Exception)
#pragma warning restore CA1031
                {
                    Interlocked.Increment(ref unanswered);
                    await Task.Delay(10, CancellationToken.None);
                }
            }
        }, CancellationToken.None)).ToArray();

        // Under load: the workers keep Concurrency calls in flight.
        while (answered.Count < 300)
        {
            await Task.Delay(20, Ct);
        }

        var beforeSignal = answered.Count;
        var signalled = System.Diagnostics.Stopwatch.StartNew();
        service.Terminate();
        var exitCode = await service.WaitForExitAsync(TimeSpan.FromSeconds(ShutdownTimeoutSeconds + 10));
        var stoppedIn = signalled.Elapsed;
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        Assert.True(exitCode is not null, $"Still running {stoppedIn} after SIGTERM.");
        Assert.Equal(0, exitCode);
        Assert.True(stoppedIn < TimeSpan.FromSeconds(ShutdownTimeoutSeconds), $"Exited {stoppedIn} after SIGTERM.");
        Assert.Empty(service.StandardError);

        // The calls in flight when the signal came were answered (not dropped), and every answer is a result or a clean
        // AWS error: none failed because the audit writer had stopped first.
        var calls = answered.ToArray();
        Assert.True(calls.Length > beforeSignal, "No call in flight at SIGTERM was answered after it.");
        Assert.All(calls, c => Assert.True(
            c.Status == HttpStatusCode.OK || (c.ErrorCode is not null && (int)c.Status < 500),
            $"{c.RequestId}: {(int)c.Status} {c.ErrorCode}"));

        // Every 200 has its record in the trail the process left behind.
        var recorded = await RecordedRequestIdsAsync(Path.Combine(dir, "kms.db"));
        var succeeded = calls.Where(c => c.Status == HttpStatusCode.OK).Select(c => c.RequestId).ToList();
        Assert.NotEmpty(succeeded);
        Assert.All(succeeded, id => Assert.Contains(id, recorded));
        TestContext.Current.SendDiagnosticMessage(
            $"{calls.Length} answered ({calls.Length - beforeSignal} after SIGTERM), {unanswered} without an answer, exited in {stoppedIn.TotalMilliseconds:0} ms");
    }

    [Fact]
    public async Task Start_WithNegativeShutdownTimeout_IsRefusedWithOneLine()
    {
        var dir = Directory.CreateTempSubdirectory("kms-shutdown-").FullName;
        var exception = await Assert.ThrowsAsync<InvalidOperationException>(() => ServiceProcess.StartAsync(
            ["--Kms:DataDir", dir, "--Kms:ShutdownTimeoutSeconds", "-1"], [("ASPNETCORE_ENVIRONMENT", "Development")], Ct));
        Assert.Contains("KmsService cannot start: Kms:ShutdownTimeoutSeconds must be 0 or more, not -1.", exception.Message, StringComparison.Ordinal);
    }

    private static async Task<HashSet<string>> RecordedRequestIdsAsync(string database)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        await using var connection = new SqliteConnection($"Data Source={database};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync(Ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT RecordJson FROM audit_records";
        await using var reader = await command.ExecuteReaderAsync(Ct);
        while (await reader.ReadAsync(Ct))
        {
            using var record = JsonDocument.Parse((byte[])reader[0]);
            if (record.RootElement.TryGetProperty("requestID", out var id) && id.GetString() is { } requestId)
            {
                ids.Add(requestId);
            }
        }

        return ids;
    }
}
