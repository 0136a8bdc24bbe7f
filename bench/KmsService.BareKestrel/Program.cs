using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Configuration.Memory;

namespace KmsService.BareKestrel;

/// <summary>
/// The ceiling KmsService is measured against (bench/run.sh): the same host, Kestrel settings and pipeline shape as
/// the service, answering KMS-shaped AWS JSON 1.1 with no authentication, no cryptography and no storage. It reads
/// the body from the pipe, parses it with source-generated System.Text.Json, and answers Encrypt, Decrypt,
/// GenerateDataKey and CreateKey with bodies of the service's sizes, so every workload of bench/KmsService.Load gets
/// a well-formed answer. Not a KMS: signatures are not checked, "ciphertexts" are the plaintext between filler bytes.
/// </summary>
/// <remarks>
/// <c>dotnet KmsService.BareKestrel.dll --urls http://127.0.0.1:PORT</c> (or <c>--port PORT</c>); other arguments
/// (the service's <c>--Kms:DataDir</c>, <c>--Logging:…</c>) are configuration, so bench/ab.sh can start it as a variant.
/// </remarks>
public static class Program
{
    public const string ContentType = "application/x-amz-json-1.1";

    // The service's ciphertext blob around the plaintext (src/KmsService.Core/Crypto/CiphertextBlob.cs): version and
    // ARN length (2), the key ARN (75 bytes for a development key), key material id (32), nonce (16), IV (12) before
    // it; the GCM tag (16) after it.
    private const int BlobHeaderLength = 2 + 75 + 32 + 16 + 12;
    private const int BlobTagLength = 16;
    private const int MaxBodyBytes = 1024 * 1024;

    private const string KeyId = "0b6e3c4e-5f2a-4d6b-9a57-2f8e0d1c3b4a";
    private const string KeyArn = "arn:aws:kms:us-east-1:000000000000:key/" + KeyId;
    private const string KeyMaterialId = "5d3a1f0c9b8e7d6c5b4a39281706f5e4d3c2b1a09f8e7d6c5b4a392817060f5e";

    public static void Main(string[] args)
    {
        var port = Array.IndexOf(args, "--port") is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        var builder = WebApplication.CreateBuilder(args);

        // As src/KmsService/Hosting/HotPathDefaults.cs: no per-request Activity and log scope from hosting.
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource
        {
            InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None" },
        });
        if (port is not null)
        {
            builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        }

        // As src/KmsService/KmsApp.cs.
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 2 * MaxBodyBytes;
        });

        var app = builder.Build();

        // As the service: KMS calls (POST outside /_kms) are taken before routing; routing serves the health path.
        app.Use(next => http => HttpMethods.IsPost(http.Request.Method)
            && !http.Request.Path.StartsWithSegments("/_kms", StringComparison.OrdinalIgnoreCase)
                ? HandleAsync(http)
                : next(http));
        app.UseRouting();
        app.MapGet("/_kms/health", () => Results.Text("{\"status\":\"Healthy\"}", "application/json"));
        app.Run();
    }

    private static async Task HandleAsync(HttpContext http)
    {
        http.Response.Headers["x-amzn-RequestId"] = Guid.NewGuid().ToString("D");
        var target = http.Request.Headers["X-Amz-Target"].ToString();
        var body = await ReadBodyAsync(http.Request.BodyReader, http.RequestAborted);
        var response = new ArrayBufferWriter<byte>(512);
        try
        {
            using var writer = new Utf8JsonWriter(response);
            switch (target)
            {
                case "TrentService.Encrypt":
                    var encrypt = JsonSerializer.Deserialize(body.WrittenSpan, BareJsonContext.Default.EncryptRequest);
                    JsonSerializer.Serialize(writer, new EncryptResponse(Blob(encrypt?.Plaintext ?? []), KeyArn, "SYMMETRIC_DEFAULT"), BareJsonContext.Default.EncryptResponse);
                    break;
                case "TrentService.Decrypt":
                    var decrypt = JsonSerializer.Deserialize(body.WrittenSpan, BareJsonContext.Default.DecryptRequest);
                    var blob = decrypt?.CiphertextBlob ?? [];
                    var plaintext = blob.Length > BlobHeaderLength + BlobTagLength ? blob[BlobHeaderLength..^BlobTagLength] : [];
                    JsonSerializer.Serialize(writer, new DecryptResponse(KeyArn, plaintext, "SYMMETRIC_DEFAULT", KeyMaterialId), BareJsonContext.Default.DecryptResponse);
                    break;
                case "TrentService.GenerateDataKey":
                    var request = JsonSerializer.Deserialize(body.WrittenSpan, BareJsonContext.Default.GenerateDataKeyRequest);
                    var dataKey = new byte[request?.NumberOfBytes ?? (request?.KeySpec == "AES_128" ? 16 : 32)];
                    Random.Shared.NextBytes(dataKey);
                    JsonSerializer.Serialize(writer, new GenerateDataKeyResponse(Blob(dataKey), dataKey, KeyArn, KeyMaterialId), BareJsonContext.Default.GenerateDataKeyResponse);
                    break;
                case "TrentService.CreateKey":
                    JsonSerializer.Serialize(writer, new CreateKeyResponse(new KeyMetadata(KeyId, KeyArn)), BareJsonContext.Default.CreateKeyResponse);
                    break;
                default:
                    JsonSerializer.Serialize(writer, new ErrorBody("UnknownOperationException", null), BareJsonContext.Default.ErrorBody);
                    http.Response.StatusCode = StatusCodes.Status400BadRequest;
                    break;
            }
        }
        catch (JsonException)
        {
            response.ResetWrittenCount();
            using var writer = new Utf8JsonWriter(response);
            JsonSerializer.Serialize(writer, new ErrorBody("SerializationException", null), BareJsonContext.Default.ErrorBody);
            http.Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        http.Response.ContentType = ContentType;
        http.Response.ContentLength = response.WrittenCount;
        await http.Response.BodyWriter.WriteAsync(response.WrittenMemory, http.RequestAborted);
    }

    /// <summary>The whole body, read from the connection's pipe as the service reads it.</summary>
    private static async ValueTask<ArrayBufferWriter<byte>> ReadBodyAsync(PipeReader reader, CancellationToken ct)
    {
        var body = new ArrayBufferWriter<byte>(256);
        while (true)
        {
            var result = await reader.ReadAsync(ct);
            var buffer = result.Buffer;
            if (body.WrittenCount + buffer.Length > MaxBodyBytes)
            {
                reader.AdvanceTo(buffer.End);
                throw new BadHttpRequestException("body too large", StatusCodes.Status413PayloadTooLarge);
            }

            var length = (int)buffer.Length;
            buffer.CopyTo(body.GetSpan(length));
            body.Advance(length);
            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted || result.IsCanceled)
            {
                return body;
            }
        }
    }

    /// <summary>A "ciphertext blob" of the service's length: filler bytes around the plaintext.</summary>
    private static byte[] Blob(byte[] plaintext)
    {
        var blob = new byte[BlobHeaderLength + plaintext.Length + BlobTagLength];
        blob[0] = 1;
        plaintext.CopyTo(blob, BlobHeaderLength);
        return blob;
    }
}

internal sealed record EncryptRequest(string? KeyId, byte[]? Plaintext, Dictionary<string, string>? EncryptionContext);

internal sealed record EncryptResponse(byte[] CiphertextBlob, string KeyId, string EncryptionAlgorithm);

internal sealed record DecryptRequest(byte[]? CiphertextBlob, string? KeyId, Dictionary<string, string>? EncryptionContext);

internal sealed record DecryptResponse(string KeyId, byte[] Plaintext, string EncryptionAlgorithm, string KeyMaterialId);

internal sealed record GenerateDataKeyRequest(string? KeyId, string? KeySpec, int? NumberOfBytes, Dictionary<string, string>? EncryptionContext);

internal sealed record GenerateDataKeyResponse(byte[] CiphertextBlob, byte[] Plaintext, string KeyId, string KeyMaterialId);

internal sealed record KeyMetadata(string KeyId, string Arn);

internal sealed record CreateKeyResponse(KeyMetadata KeyMetadata);

internal sealed record ErrorBody([property: JsonPropertyName("__type")] string Type, [property: JsonPropertyName("message")] string? Message);

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EncryptRequest))]
[JsonSerializable(typeof(EncryptResponse))]
[JsonSerializable(typeof(DecryptRequest))]
[JsonSerializable(typeof(DecryptResponse))]
[JsonSerializable(typeof(GenerateDataKeyRequest))]
[JsonSerializable(typeof(GenerateDataKeyResponse))]
[JsonSerializable(typeof(CreateKeyResponse))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class BareJsonContext : JsonSerializerContext;
