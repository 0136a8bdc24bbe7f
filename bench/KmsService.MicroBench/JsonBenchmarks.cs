using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using BenchmarkDotNet.Attributes;

namespace KmsService.MicroBench;

/// <summary>
/// System.Text.Json source-generated (de)serialisation of the Encrypt request and response. The service's
/// <c>KmsJsonContext</c> is internal to src/KmsService, so these are records of the same shape with a context of
/// the same options, in this project.
/// </summary>
[MemoryDiagnoser]
public class JsonBenchmarks
{
    private byte[] _requestJson = [];
    private EncryptResponse _response = null!;

    [GlobalSetup]
    public void Setup()
    {
        _requestJson = Encoding.UTF8.GetBytes(
            "{\"KeyId\":\"arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab\","
            + "\"Plaintext\":\"q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA=\","
            + "\"EncryptionContext\":{\"purpose\":\"load-test\"}}");
        _response = new EncryptResponse(
            RandomNumberGenerator.GetBytes(190),
            "arn:aws:kms:us-east-1:000000000000:key/1234abcd-12ab-34cd-56ef-1234567890ab",
            EncryptionAlgorithmSpec.SymmetricDefault);
    }

    [Benchmark]
    public EncryptRequest? DeserializeEncryptRequest() =>
        JsonSerializer.Deserialize(_requestJson, BenchJsonContext.Default.EncryptRequest);

    [Benchmark]
    public byte[] SerializeEncryptResponse() =>
        JsonSerializer.SerializeToUtf8Bytes(_response, BenchJsonContext.Default.EncryptResponse);
}

/// <summary>Same shape as the service's EncryptRequest.</summary>
public sealed record EncryptRequest(
    string? KeyId,
    byte[]? Plaintext,
    Dictionary<string, string>? EncryptionContext,
    IReadOnlyList<string>? GrantTokens,
    string? EncryptionAlgorithm,
    bool? DryRun);

/// <summary>Same shape as the service's EncryptResponse.</summary>
public sealed record EncryptResponse(byte[] CiphertextBlob, string KeyId, EncryptionAlgorithmSpec EncryptionAlgorithm);

/// <summary>The model's EncryptionAlgorithmSpec, as far as Encrypt answers it.</summary>
public enum EncryptionAlgorithmSpec
{
    [JsonStringEnumMemberName("SYMMETRIC_DEFAULT")]
    SymmetricDefault,
}

/// <summary>Same options as the service's KmsJsonContext.</summary>
[JsonSourceGenerationOptions(
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UseStringEnumConverter = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(EncryptRequest))]
[JsonSerializable(typeof(EncryptResponse))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
