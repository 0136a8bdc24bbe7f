using System.Globalization;
using System.Net;
using System.Text;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Hosting;

/// <summary>The Prometheus endpoint (<c>GET /_kms/metrics</c>) after a few calls: requests by operation and error code,
/// latency, the audit writer's batches, keys by state, cache lookups and, on PostgreSQL, the change feed.</summary>
public abstract class MetricsTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task Scrape_AfterCalls_ShowsThemByOperationAndErrorCode_WithAuditBatchesAndKeysByState()
    {
        await using var isolated = await Fixture.StartIsolatedAsync();
        using var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var blob = (await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;
        await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([4]) }, Ct);
        await kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/missing" }, Ct));
        await kms.DisableKeyAsync(new DisableKeyRequest { KeyId = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata.KeyId }, Ct);

        // A call is counted once its answer has gone out: the last one may be counted just after the client has it.
        var text = await ScrapeUntilAsync(isolated.Server.Url, t => Sample(t, "kms_requests_total", ("operation", "DisableKey")) >= 1);

        // Per-process meters may also see other servers' calls in this test run, hence "at least".
        Assert.True(Sample(text, "kms_requests_total", ("operation", "Encrypt"), ("error_code", "")) >= 2, text);
        Assert.True(Sample(text, "kms_requests_total", ("operation", "Decrypt"), ("error_code", "")) >= 1, text);
        Assert.True(Sample(text, "kms_requests_total", ("operation", "CreateKey"), ("error_code", "")) >= 2, text);
        Assert.True(Sample(text, "kms_requests_total", ("operation", "DescribeKey"), ("error_code", "NotFoundException")) >= 1, text);
        Assert.True(Sample(text, "kms_request_duration_seconds_count", ("operation", "Encrypt")) >= 2, text);
        Assert.True(Sample(text, "kms_request_duration_seconds_bucket", ("operation", "Encrypt"), ("le", "+Inf")) >= 2, text);

        // Encrypt and Decrypt are read-only: their records go through the group-commit writer.
        Assert.True(Sample(text, "kms_audit_batch_size_count") >= 1, text);
        Assert.True(Sample(text, "kms_audit_batch_size_sum") >= 1, text);
        Assert.True(Sample(text, "kms_audit_commit_duration_seconds_count") >= 1, text);
        Assert.NotNull(Sample(text, "kms_audit_queue_length"));
        Assert.NotNull(Sample(text, "kms_audit_lag_seconds_count"));

        // Observed instruments (cache lookups, keys by state) are read from one server's callbacks when several test
        // servers in this process register them under the same meter name, and keys by state are counted at most every
        // 15 s: their values here may be another server's, so only their series are checked (seen failing in CI when the
        // SQLite and PostgreSQL variants ran side by side).
        Assert.NotNull(Sample(text, "kms_cache_lookups_total", ("cache", "key"), ("result", "hit")));
        Assert.NotNull(Sample(text, "kms_cache_lookups_total", ("cache", "alias"), ("result", "miss")));
        foreach (var state in new[] { "Enabled", "Disabled", "PendingDeletion", "PendingImport", "PendingReplicaDeletion", "Creating", "Updating", "Unavailable" })
        {
            Assert.NotNull(Sample(text, "kms_keys", ("state", state)));
        }

        if (Fixture is PostgresFixture)
        {
            Assert.Equal(1, Sample(text, "kms_change_feed_listening"));
        }
    }

    [Fact]
    public async Task Scrape_AnUnknownOperation_IsCountedAsUnknown_NotByItsText()
    {
        var target = "NoSuchOperation" + Guid.NewGuid().ToString("N");
        var (status, type, _) = await new RawKmsRequest(Server.Url, target, "{}").Sign().SendAsync(Ct);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("UnknownOperationException", type);

        var text = await ScrapeUntilAsync(Server.Url, t => Sample(t, "kms_requests_total", ("operation", "Unknown"), ("error_code", "UnknownOperationException")) >= 1);
        Assert.DoesNotContain(target, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_OtherThanGet_AnswersAnAwsShapedError()
    {
        using var http = new HttpClient();
        using var response = await http.PostAsync(new Uri(Server.Url, "/_kms/metrics"), new StringContent("{}", Encoding.UTF8, "application/json"), Ct);
        // A POST is a protocol call to the KMS endpoint (as on any other path): refused with an AWS error, no metrics.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.Contains("\"__type\":", body, StringComparison.Ordinal);
        Assert.DoesNotContain("kms_requests_total", body, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeUntilAsync(Uri server, Func<string, bool> done)
    {
        using var http = new HttpClient();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            using var response = await http.GetAsync(new Uri(server, "/_kms/metrics"), Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
            var text = await response.Content.ReadAsStringAsync(Ct);
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(50, Ct);
        }
    }

    /// <summary>The largest value of the samples of <paramref name="name"/> whose labels include every one of
    /// <paramref name="labels"/>; null if there is none. (OpenTelemetry's exporter listens to every meter named
    /// KmsService in the process, so a test host's scrape may show other test servers' series too.)</summary>
    private static double? Sample(string text, string name, params (string Name, string Value)[] labels)
    {
        double? largest = null;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal))
            {
                continue;
            }

            var rest = line[name.Length..];
            if (rest.Length == 0 || (rest[0] != '{' && rest[0] != ' '))
            {
                continue;
            }

            var labelText = rest[0] == '{' ? rest[1..rest.IndexOf('}', StringComparison.Ordinal)] : string.Empty;
            if (labels.All(l => labelText.Contains($"{l.Name}=\"{l.Value}\"", StringComparison.Ordinal)))
            {
                var number = line[(line.LastIndexOf(' ') + 1)..];
                var value = number == "+Inf" ? double.PositiveInfinity : double.Parse(number, CultureInfo.InvariantCulture);
                largest = largest is null ? value : Math.Max(largest.Value, value);
            }
        }

        return largest;
    }
}

[Collection("sqlite")]
public sealed class MetricsTests_Sqlite(SqliteFixture f) : MetricsTests(f);

[Collection("postgres")]
public sealed class MetricsTests_Postgres(PostgresFixture f) : MetricsTests(f);
