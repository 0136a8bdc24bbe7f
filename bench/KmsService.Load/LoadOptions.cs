using System.Globalization;
using System.Net;

namespace KmsService.Load;

/// <summary>The KMS operation a run drives.</summary>
internal enum LoadOperation
{
    Encrypt,
    Decrypt,
    GenerateDataKey,
    Mix,

    /// <summary>Sign, RAW 32-byte message, ECC_NIST_P256 key, ECDSA_SHA_256.</summary>
    SignEcc,

    /// <summary>Verify of pre-made ECDSA_SHA_256 signatures.</summary>
    VerifyEcc,

    /// <summary>Sign, RAW message, RSA_2048 key, RSASSA_PSS_SHA_256.</summary>
    SignRsa,

    /// <summary>Verify of pre-made RSASSA_PSS_SHA_256 signatures.</summary>
    VerifyRsa,

    /// <summary>GenerateMac, HMAC_256 key, HMAC_SHA_256.</summary>
    GenerateMac,
}

/// <summary>Which client sends the requests.</summary>
internal enum ClientKind
{
    /// <summary>Raw HTTP: SocketsHttpHandler and this project's SigV4 signer.</summary>
    Raw,

    /// <summary>The official AWSSDK.KeyManagementService client.</summary>
    Sdk,
}

/// <summary>Command-line options of one load run.</summary>
internal sealed class LoadOptions
{
    /// <summary>Hard cap on measured seconds, so that a run always stops by itself.</summary>
    public const int MaxDurationSeconds = 600;

    public LoadOperation Operation { get; private set; } = LoadOperation.Encrypt;

    public int Concurrency { get; private set; } = 64;

    public TimeSpan Duration { get; private set; } = TimeSpan.FromSeconds(20);

    public TimeSpan Warmup { get; private set; } = TimeSpan.FromSeconds(5);

    public Uri Endpoint { get; private set; } = new("http://127.0.0.1:8080");

    public string? KeyId { get; private set; }

    public int? ServerPid { get; private set; }

    public ClientKind Client { get; private set; } = ClientKind.Raw;

    public string? JsonPath { get; private set; }

    public string Target { get; private set; } = "kms";

    public int PlaintextBytes { get; private set; } = 32;

    public long MaxRequests { get; private set; } = 20_000_000;

    public int DecryptPoolSize { get; private set; } = 1000;

    public string Region { get; private set; } = "us-east-1";

    public string AccessKeyId { get; private set; } = "test";

    public string SecretAccessKey { get; private set; } = "test";

    public bool SignContentSha256 { get; private set; }

    public bool WithEncryptionContext { get; private set; } = true;

    public static string Usage => """
        KmsService.Load: drives an AWS-KMS-compatible endpoint on this machine over HTTP.

          --op OP                encrypt (default), decrypt, generate-data-key, mix, sign-ecc (ECC_NIST_P256,
                                 ECDSA_SHA_256), verify-ecc, sign-rsa (RSA_2048, RSASSA_PSS_SHA_256), verify-rsa,
                                 generate-mac (HMAC_256, HMAC_SHA_256); the key is made of that spec
          --concurrency N        connections and in-flight requests (default 64)
          --duration S           measured seconds (default 20, at most 600)
          --warmup S             unmeasured seconds first (default 5)
          --endpoint URL         loopback URL (default http://127.0.0.1:8080)
          --key-id ID            key to use; else one is made with CreateKey
          --server-pid PID       read the server's CPU and memory from /proc/PID
          --client raw|sdk       raw HTTP with our signer (default) or the AWS SDK for .NET
          --json FILE            also write the result as JSON
          --target NAME          label of the server in reports (default kms)
          --plaintext-bytes N    plaintext size for Encrypt, message size for Sign/Verify/GenerateMac (default 32)
          --max-requests N       stop after this many requests (default 20000000)
          --pool N               ciphertexts pre-encrypted for Decrypt, signatures pre-made for Verify (default 1000)
          --region R --access-key AK --secret-key SK   credentials (default us-east-1, test, test)
          --content-sha256       also send and sign x-amz-content-sha256
          --no-context           send no EncryptionContext (default: {"purpose":"load-test"})

        KmsService.Load compare --out FILE RESULT.json...   writes the comparison tables (markdown)
        """;

    public static LoadOptions Parse(string[] args)
    {
        var o = new LoadOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            switch (name)
            {
                case "--op":
                    var op = Value();
                    o.Operation = Enum.GetValues<LoadOperation>().FirstOrDefault(k => OperationName(k) == op, (LoadOperation)(-1));
                    if (!Enum.IsDefined(o.Operation))
                    {
                        throw new ArgumentException(
                            $"--op {op}: use {string.Join(", ", Enum.GetValues<LoadOperation>().Select(OperationName))}.");
                    }

                    break;
                case "--concurrency":
                    o.Concurrency = Int(name, Value(), 1, 4096);
                    break;
                case "--duration":
                    o.Duration = TimeSpan.FromSeconds(Int(name, Value(), 1, MaxDurationSeconds));
                    break;
                case "--warmup":
                    o.Warmup = TimeSpan.FromSeconds(Int(name, Value(), 0, 120));
                    break;
                case "--endpoint":
                    o.Endpoint = new Uri(Value(), UriKind.Absolute);
                    break;
                case "--key-id":
                    o.KeyId = Value();
                    break;
                case "--server-pid":
                    o.ServerPid = Int(name, Value(), 1, int.MaxValue);
                    break;
                case "--client":
                    o.Client = Value() switch
                    {
                        "raw" => ClientKind.Raw,
                        "sdk" => ClientKind.Sdk,
                        var v => throw new ArgumentException($"--client {v}: use raw or sdk."),
                    };
                    break;
                case "--json":
                    o.JsonPath = Value();
                    break;
                case "--target":
                    o.Target = Value();
                    break;
                case "--plaintext-bytes":
                    o.PlaintextBytes = Int(name, Value(), 1, 4096);
                    break;
                case "--max-requests":
                    o.MaxRequests = Int(name, Value(), 1, int.MaxValue);
                    break;
                case "--pool":
                    o.DecryptPoolSize = Int(name, Value(), 1, 100_000);
                    break;
                case "--region":
                    o.Region = Value();
                    break;
                case "--access-key":
                    o.AccessKeyId = Value();
                    break;
                case "--secret-key":
                    o.SecretAccessKey = Value();
                    break;
                case "--content-sha256":
                    o.SignContentSha256 = true;
                    break;
                case "--no-context":
                    o.WithEncryptionContext = false;
                    break;
                default:
                    throw new ArgumentException($"Unknown option {name}.");
            }
        }

        if (!IsLoopback(o.Endpoint))
        {
            throw new ArgumentException($"--endpoint {o.Endpoint}: only loopback addresses (127.0.0.0/8, ::1, localhost) may be loaded.");
        }

        return o;
    }

    public static string OperationName(LoadOperation op) => op switch
    {
        LoadOperation.Encrypt => "encrypt",
        LoadOperation.Decrypt => "decrypt",
        LoadOperation.GenerateDataKey => "generate-data-key",
        LoadOperation.SignEcc => "sign-ecc",
        LoadOperation.VerifyEcc => "verify-ecc",
        LoadOperation.SignRsa => "sign-rsa",
        LoadOperation.VerifyRsa => "verify-rsa",
        LoadOperation.GenerateMac => "generate-mac",
        _ => "mix",
    };

    /// <summary>The key an operation needs, or null for a symmetric encryption key.</summary>
    public static KeyKind? KeyKindOf(LoadOperation op) => op switch
    {
        LoadOperation.SignEcc or LoadOperation.VerifyEcc => new KeyKind("ECC_NIST_P256", "SIGN_VERIFY", "ECDSA_SHA_256"),
        LoadOperation.SignRsa or LoadOperation.VerifyRsa => new KeyKind("RSA_2048", "SIGN_VERIFY", "RSASSA_PSS_SHA_256"),
        LoadOperation.GenerateMac => new KeyKind("HMAC_256", "GENERATE_VERIFY_MAC", "HMAC_SHA_256"),
        _ => null,
    };

    private static bool IsLoopback(Uri endpoint)
    {
        if (endpoint.IsLoopback)
        {
            return true;
        }

        return IPAddress.TryParse(endpoint.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address);
    }

    private static int Int(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
        {
            throw new ArgumentException($"{name} {value}: expected a whole number from {min} to {max}.");
        }

        return n;
    }
}
