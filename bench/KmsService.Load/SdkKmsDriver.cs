using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using Amazon.Runtime;

namespace KmsService.Load;

/// <summary>The official AWS SDK for .NET client (it signs every request itself), with retries off so that errors are counted.</summary>
internal sealed class SdkKmsDriver : IKmsDriver
{
    private readonly AmazonKeyManagementServiceClient _client;
    private readonly Dictionary<string, string>? _context;

    public SdkKmsDriver(LoadOptions options)
    {
        var config = new AmazonKeyManagementServiceConfig
        {
            ServiceURL = options.Endpoint.ToString(),
            AuthenticationRegion = options.Region,
            MaxErrorRetry = 0,
            MaxConnectionsPerServer = options.Concurrency,
            Timeout = TimeSpan.FromSeconds(30),
        };
        _client = new AmazonKeyManagementServiceClient(
            new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey), config);
        _context = options.WithEncryptionContext ? new Dictionary<string, string> { ["purpose"] = "load-test" } : null;
    }

    public async Task<string> CreateKeyAsync(KeyKind? kind, CancellationToken ct)
    {
        var request = new CreateKeyRequest { Description = "KmsService.Load benchmark key" };
        if (kind is not null)
        {
            request.KeySpec = new KeySpec(kind.KeySpec);
            request.KeyUsage = new KeyUsageType(kind.KeyUsage);
        }

        var response = await _client.CreateKeyAsync(request, ct);
        return response.KeyMetadata.KeyId;
    }

    public Task<CallResult> EncryptAsync(string keyId, byte[] plaintext, bool wantCiphertext, CancellationToken ct) =>
        CallAsync(async () =>
        {
            var response = await _client.EncryptAsync(
                new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream(plaintext), EncryptionContext = _context },
                ct);
            return wantCiphertext ? response.CiphertextBlob.ToArray() : null;
        });

    public Task<CallResult> DecryptAsync(byte[] ciphertextBlob, CancellationToken ct) =>
        CallAsync(async () =>
        {
            await _client.DecryptAsync(
                new DecryptRequest { CiphertextBlob = new MemoryStream(ciphertextBlob), EncryptionContext = _context },
                ct);
            return null;
        });

    public Task<CallResult> GenerateDataKeyAsync(string keyId, CancellationToken ct) =>
        CallAsync(async () =>
        {
            await _client.GenerateDataKeyAsync(
                new GenerateDataKeyRequest { KeyId = keyId, KeySpec = DataKeySpec.AES_256, EncryptionContext = _context },
                ct);
            return null;
        });

    public Task<CallResult> SignAsync(string keyId, string signingAlgorithm, byte[] message, bool wantSignature, CancellationToken ct) =>
        CallAsync(async () =>
        {
            var response = await _client.SignAsync(
                new SignRequest
                {
                    KeyId = keyId,
                    Message = new MemoryStream(message),
                    MessageType = MessageType.RAW,
                    SigningAlgorithm = new SigningAlgorithmSpec(signingAlgorithm),
                },
                ct);
            return wantSignature ? response.Signature.ToArray() : null;
        });

    public Task<CallResult> VerifyAsync(string keyId, string signingAlgorithm, byte[] message, byte[] signature, CancellationToken ct) =>
        CallAsync(async () =>
        {
            await _client.VerifyAsync(
                new VerifyRequest
                {
                    KeyId = keyId,
                    Message = new MemoryStream(message),
                    MessageType = MessageType.RAW,
                    Signature = new MemoryStream(signature),
                    SigningAlgorithm = new SigningAlgorithmSpec(signingAlgorithm),
                },
                ct);
            return null;
        });

    public Task<CallResult> GenerateMacAsync(string keyId, string macAlgorithm, byte[] message, CancellationToken ct) =>
        CallAsync(async () =>
        {
            await _client.GenerateMacAsync(
                new GenerateMacRequest { KeyId = keyId, Message = new MemoryStream(message), MacAlgorithm = new MacAlgorithmSpec(macAlgorithm) },
                ct);
            return null;
        });

    public void Dispose() => _client.Dispose();

    private static async Task<CallResult> CallAsync(Func<Task<byte[]?>> call)
    {
        try
        {
            return CallResult.Success(await call());
        }
        catch (AmazonServiceException e)
        {
            return CallResult.Failure($"{e.ErrorCode ?? "(no __type)"} (HTTP {(int)e.StatusCode})");
        }
        catch (HttpRequestException e)
        {
            return CallResult.Failure($"transport: {e.HttpRequestError}");
        }
    }
}
