using System.Text;
using BenchmarkDotNet.Attributes;
using KmsService.Core.Auth;
using KmsService.Load;

namespace KmsService.MicroBench;

/// <summary>SigV4 on a realistic Encrypt request: the server's parse and verify, and the client's signing.</summary>
[MemoryDiagnoser]
public class SigV4Benchmarks
{
    private static readonly DateTime Now = new(2026, 11, 29, 12, 0, 0, DateTimeKind.Utc);

    private SigV4Verifier _verifier = null!;
    private SigV4Signer _signer = null!;
    private SigV4Request _request = null!;
    private byte[] _body = [];

    [GlobalSetup]
    public void Setup()
    {
        _body = Encoding.UTF8.GetBytes(
            "{\"KeyId\":\"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab\","
            + "\"Plaintext\":\"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\","
            + "\"EncryptionContext\":{\"purpose\":\"load-test\"}}");
        _signer = new SigV4Signer("test", "test", "us-east-1", "127.0.0.1:8080", signContentSha256: false);
        const string InvocationId = "5f0a3c7e-9b1d-4e2f-8a6b-1c2d3e4f5a6b";
        var signed = _signer.Sign("TrentService.Encrypt", InvocationId, _body, Now);

        // Header lines as Kestrel hands them to the service for an SDK-made request.
        var headers = new List<KeyValuePair<string, string>>
        {
            new("Host", "127.0.0.1:8080"),
            new("Content-Type", SigV4Signer.ContentType),
            new("Content-Length", _body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            new("User-Agent", "aws-sdk-dotnet-coreclr/4.1.0 ua/2.1 os/linux md/kms"),
            new("amz-sdk-invocation-id", InvocationId),
            new("amz-sdk-request", "attempt=1; max=1"),
            new("X-Amz-Date", signed.AmzDate),
            new("X-Amz-Target", "TrentService.Encrypt"),
            new("Authorization", signed.Authorization),
        };
        _request = new SigV4Request("POST", "/", string.Empty, headers, _body);
        _verifier = new SigV4Verifier(new FixedTimeProvider(new DateTimeOffset(Now)));

        // Warm the signing-key cache, as a running service has it.
        _verifier.Verify(_request, SigV4Parser.Parse(_request), "test", "kms");
    }

    [Benchmark]
    public SigV4Authorization Parse() => SigV4Parser.Parse(_request);

    [Benchmark(Description = "Parse + Verify (signing key cached)")]
    public void ParseAndVerify() => _verifier.Verify(_request, SigV4Parser.Parse(_request), "test", "kms");

    [Benchmark(Description = "Client Sign (load tool signer)")]
    public string Sign() => _signer.Sign("TrentService.Encrypt", "5f0a3c7e-9b1d-4e2f-8a6b-1c2d3e4f5a6b", _body, Now).Authorization;
}
