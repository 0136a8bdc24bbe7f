using System.Diagnostics;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Audit.Lookup;

/// <summary>The walk-through with the official CloudTrail client, the AWS CLI (botocore's CloudTrail model
/// and signer): after an Encrypt with a context and the same call refused to another user, <c>aws cloudtrail
/// lookup-events</c> shows both with their identity, context, error code and request id. The AWS SDK for .NET's
/// CloudTrail package is not on this project's package feed; the CLI is installed where the tests run (skipped, with the
/// reason, where it is not).</summary>
public abstract class AwsCliLookupTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task LookupEvents_ThroughTheAwsCli_ShowsTheCallAndTheRefusal()
    {
        var alice = Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);
        var context = "cli-" + Guid.NewGuid().ToString("N")[..12];
        var allowed = await alice.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream("cli"u8.ToArray()),
            EncryptionContext = new() { ["tenant"] = context },
        }, Ct);
        var carol = Server.Client(TestSeed.CarolAccessKey, TestSeed.CarolSecret);
        var refused = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => carol.EncryptAsync(new EncryptRequest
        {
            KeyId = TestSeed.SharedKeyArn,
            Plaintext = new MemoryStream("cli"u8.ToArray()),
            EncryptionContext = new() { ["tenant"] = context },
        }, Ct));

        var output = await RunCliAsync(
            "cloudtrail", "lookup-events", "--endpoint-url", Server.Url.ToString(), "--region", "us-east-1",
            "--lookup-attributes", $"AttributeKey=ResourceName,AttributeValue={TestSeed.SharedKeyArn}", "--max-results", "50",
            "--output", "json");

        var events = JsonDocument.Parse(output).RootElement.GetProperty("Events").EnumerateArray()
            .Select(e => JsonDocument.Parse(e.GetProperty("CloudTrailEvent").GetString()!).RootElement)
            .Where(r => r.GetProperty("requestParameters").ValueKind == JsonValueKind.Object
                && r.GetProperty("requestParameters").TryGetProperty("encryptionContext", out var c)
                && c.GetProperty("tenant").GetString() == context)
            .ToList();
        var ok = Assert.Single(events, r => r.GetProperty("requestID").GetString() == allowed.ResponseMetadata.RequestId);
        Assert.Equal(TestSeed.AliceArn, ok.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.False(ok.TryGetProperty("errorCode", out _));
        var denied = Assert.Single(events, r => r.GetProperty("requestID").GetString() == refused.RequestId);
        Assert.Equal(TestSeed.CarolArn, denied.GetProperty("userIdentity").GetProperty("arn").GetString());
        Assert.Equal("AccessDeniedException", denied.GetProperty("errorCode").GetString());
    }

    // The account's auditor (whose only permission is cloudtrail:LookupEvents) looks the events up.
    private static async Task<string> RunCliAsync(params string[] args)
    {
        var start = new ProcessStartInfo("aws") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["AWS_ACCESS_KEY_ID"] = TestSeed.AuditorAccessKey;
        start.Environment["AWS_SECRET_ACCESS_KEY"] = TestSeed.AuditorSecret;
        start.Environment["AWS_CONFIG_FILE"] = "/dev/null";
        start.Environment["AWS_SHARED_CREDENTIALS_FILE"] = "/dev/null";
        start.Environment["AWS_PAGER"] = "";
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Assert.Skip($"The AWS CLI is not installed here ({e.Message}).");
            throw;
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(Ct);
            var stderr = process.StandardError.ReadToEndAsync(Ct);
            await process.WaitForExitAsync(Ct);
            Assert.True(process.ExitCode == 0, $"aws exited {process.ExitCode}: {await stderr}");
            return await stdout;
        }
    }
}

[Collection("sqlite")]
public sealed class AwsCliLookupTests_Sqlite(SqliteFixture f) : AwsCliLookupTests(f);

[Collection("postgres")]
public sealed class AwsCliLookupTests_Postgres(PostgresFixture f) : AwsCliLookupTests(f);
