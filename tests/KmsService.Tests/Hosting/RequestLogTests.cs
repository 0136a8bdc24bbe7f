using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Hosting;

/// <summary>The log as an operator reads it: in Production one compact JSON line (CLEF) per KMS call on standard
/// output, with operation, principal, key, status, error code, duration and the request id the client got, and never
/// a plaintext, a ciphertext, a data key, a grant token, a secret key or a signature.</summary>
public sealed class RequestLogTests
{
    private const int RequestCompleted = 1002;
    private static readonly string RootKey = Convert.ToBase64String(Enumerable.Repeat((byte)0x3C, 32).ToArray());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Production_LogsOneJsonLinePerCall_WithItsFields_AndNoSecret()
    {
        var dir = Directory.CreateTempSubdirectory("kms-log-").FullName;
        var plaintext = "plaintext-that-must-never-be-logged-" + Guid.NewGuid().ToString("N");
        var signatures = new SignatureRecorder();
        var calls = new List<(string RequestId, string Operation, int Status, string? ErrorCode)>();
        var secrets = new List<string> { plaintext, Convert.ToBase64String(Encoding.UTF8.GetBytes(plaintext)), TestSeed.AliceSecret, "AWS4-HMAC-SHA256" };

        await using (var service = await ServiceProcess.StartAsync(
            ["--Kms:DataDir", dir, "--Kms:SeedFile", TestSeed.Write()],
            [("ASPNETCORE_ENVIRONMENT", "Production"), ("Kms__RootKey", RootKey)], Ct))
        {
            using var alice = service.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret, signatures);
            var context = new Dictionary<string, string> { ["tenant"] = "acme" };

            var encrypted = await alice.EncryptAsync(new EncryptRequest
            {
                KeyId = TestSeed.PinnedKeyId,
                Plaintext = new MemoryStream(Encoding.UTF8.GetBytes(plaintext)),
                EncryptionContext = context,
            }, Ct);
            var blob = encrypted.CiphertextBlob.ToArray();
            secrets.Add(Convert.ToBase64String(blob));
            calls.Add((encrypted.ResponseMetadata.RequestId, "Encrypt", 200, null));

            var decrypted = await alice.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob), EncryptionContext = context }, Ct);
            Assert.Equal(plaintext, Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
            calls.Add((decrypted.ResponseMetadata.RequestId, "Decrypt", 200, null));

            var dataKey = await alice.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = TestSeed.PinnedAlias, KeySpec = DataKeySpec.AES_256 }, Ct);
            secrets.Add(Convert.ToBase64String(dataKey.Plaintext.ToArray()));
            secrets.Add(Convert.ToBase64String(dataKey.CiphertextBlob.ToArray()));
            calls.Add((dataKey.ResponseMetadata.RequestId, "GenerateDataKey", 200, null));

            var grant = await alice.CreateGrantAsync(new CreateGrantRequest
            {
                KeyId = TestSeed.PinnedKeyId,
                GranteePrincipal = TestSeed.BobArn,
                Operations = [GrantOperation.Encrypt, GrantOperation.Decrypt],
            }, Ct);
            secrets.Add(grant.GrantToken);
            calls.Add((grant.ResponseMetadata.RequestId, "CreateGrant", 200, null));

            // Errors: another encryption context, and a request signed with the wrong secret.
            var wrongContext = await Assert.ThrowsAsync<InvalidCiphertextException>(() => alice.DecryptAsync(
                new DecryptRequest { CiphertextBlob = new MemoryStream(blob), EncryptionContext = new() { ["tenant"] = "other" } }, Ct));
            calls.Add((wrongContext.RequestId, "Decrypt", 400, nameof(InvalidCiphertextException)));

            const string wrongSecret = "wrong-secret-key-that-must-never-be-logged";
            secrets.Add(wrongSecret);
            using var forger = service.Client(TestSeed.AliceAccessKey, wrongSecret, signatures);
            var forged = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => forger.EncryptAsync(new EncryptRequest
            {
                KeyId = TestSeed.PinnedKeyId,
                Plaintext = new MemoryStream(Encoding.UTF8.GetBytes(plaintext)),
            }, Ct));
            calls.Add((forged.RequestId, "Encrypt", 400, forged.ErrorCode));

            await service.StopAsync();
            secrets.AddRange(signatures.Signatures);
            Assert.Equal(6, signatures.Signatures.Count);

            var output = service.StandardOutput;
            var all = string.Join('\n', output) + service.StandardError;
            foreach (var secret in secrets)
            {
                Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
            }

            // Every line is a CLEF event; one request line per call, as the client saw it.
            var events = output.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
            Assert.All(events, e => Assert.True(e.TryGetProperty("@t", out _), e.ToString()));
            Assert.Contains(events, e => e.GetProperty("@mt").GetString()!.StartsWith("Now listening on", StringComparison.Ordinal));
            var requestLines = events.Where(e => e.TryGetProperty("EventId", out var id) && id.TryGetProperty("Id", out var n) && n.GetInt32() == RequestCompleted).ToList();
            Assert.Equal(calls.Count, requestLines.Count);
            foreach (var (requestId, operation, status, errorCode) in calls)
            {
                var line = Assert.Single(requestLines, e => e.GetProperty("RequestId").GetString() == requestId);
                Assert.Equal(operation, line.GetProperty("Operation").GetString());
                Assert.Equal(status, line.GetProperty("StatusCode").GetInt32());
                Assert.Equal(errorCode, line.TryGetProperty("ErrorCode", out var code) ? code.GetString() : null);
                Assert.True(line.GetProperty("ElapsedMs").GetDouble() > 0);
                Assert.Equal("KmsService.Protocol.KmsEndpoint", line.GetProperty("SourceContext").GetString());
                if (errorCode is null || errorCode == nameof(InvalidCiphertextException))
                {
                    Assert.Equal(TestSeed.AliceArn, line.GetProperty("PrincipalArn").GetString());
                    Assert.Equal(TestSeed.PinnedKeyArn, line.GetProperty("KeyArn").GetString());
                }
                else
                {
                    // Refused before anyone was authenticated: no principal, no key.
                    Assert.Equal(JsonValueKind.Null, line.GetProperty("PrincipalArn").ValueKind);
                }
            }
        }
    }

    [Fact]
    public async Task Development_LogsReadableText()
    {
        var dir = Directory.CreateTempSubdirectory("kms-log-").FullName;
        await using var service = await ServiceProcess.StartAsync(["--Kms:DataDir", dir], [("ASPNETCORE_ENVIRONMENT", "Development")], Ct);
        using var kms = service.Client("test", "test");
        var missing = await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/missing" }, Ct));
        await service.StopAsync();

        var line = Assert.Single(service.StandardOutput, l => l.Contains(missing.RequestId, StringComparison.Ordinal));
        Assert.Matches(@"^\[\d\d:\d\d:\d\d\.\d{3} INF\] KmsService\.Protocol\.KmsEndpoint: DescribeKey answered 400 NotFoundException in \d+\.\d{3} ms; principal arn:aws:iam::000000000000:root, key null, request ", line);
        Assert.Contains(service.StandardOutput, l => l.Contains("INF] Microsoft.Hosting.Lifetime: Application is shutting down...", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RequestLog_FollowsItsSwitch(bool enabled)
    {
        var capture = new LogCapture();
        await using var server = await KmsServer.StartAsync(configure: capture.AddTo, extraArgs:
            ["--Logging:LogLevel:KmsService.Protocol.KmsEndpoint", "Information", "--Kms:RequestLog", enabled ? "true" : "false"]);
        using var kms = server.Client();
        var key = await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);
        await Assert.ThrowsAsync<NotFoundException>(() => kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = "alias/missing" }, Ct));

        // The line is written once the answer has gone out: wait for it (or, switched off, for it not to come).
        var deadline = DateTime.UtcNow.AddSeconds(enabled ? 10 : 1);
        while (capture.Entries.Count(e => e.EventId == RequestCompleted) < 2 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, Ct);
        }

        var lines = capture.Entries.Where(e => e.EventId == RequestCompleted).ToList();
        if (!enabled)
        {
            Assert.Empty(lines);
            return;
        }

        Assert.Equal(2, lines.Count);
        Assert.Contains(lines, l => l.Message.StartsWith("CreateKey answered 200 in ", StringComparison.Ordinal)
            && l.Message.Contains($"key {key.KeyMetadata.Arn}, request {key.ResponseMetadata.RequestId}", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Message.StartsWith("DescribeKey answered 400 NotFoundException in ", StringComparison.Ordinal));
    }

    /// <summary>Records the SigV4 signature of every request the SDK sends through it.</summary>
    private sealed class SignatureRecorder : HttpClientFactory
    {
        private readonly ConcurrentQueue<string> _signatures = new();

        public IReadOnlyList<string> Signatures => [.. _signatures];

        public override HttpClient CreateHttpClient(IClientConfig clientConfig) => new(new Recording(_signatures));

        private sealed class Recording(ConcurrentQueue<string> signatures) : DelegatingHandler(new HttpClientHandler())
        {
            protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                // Read raw: the SDK adds the header without validation, so Headers.Authorization stays null.
                var authorization = request.Headers.TryGetValues("Authorization", out var values) ? string.Join(',', values) : string.Empty;
                var at = authorization.IndexOf("Signature=", StringComparison.Ordinal);
                if (at >= 0)
                {
                    signatures.Enqueue(authorization[(at + "Signature=".Length)..]);
                }

                return base.SendAsync(request, cancellationToken);
            }
        }
    }
}
