using System.Text;
using System.Text.Json;
using KmsService.Core.Errors;
using KmsService.Identity;
using KmsService.Operations;
using KmsService.Protocol;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Sdk = Amazon.KeyManagementService.Model;

namespace KmsService.Tests.Protocol;

/// <summary>The handler every operation runs in: once a call is over, the plaintext, data keys and random bytes its
/// request and response carried are zero, and the response JSON was written before that.</summary>
[Collection("sqlite")]
public sealed class OperationTableTests(SqliteFixture fixture) : ServiceTests(fixture)
{
    private static readonly byte[] Secret = Enumerable.Range(1, 48).Select(i => (byte)i).ToArray();

    [Fact]
    public async Task Encrypt_AfterTheCall_RequestPlaintextIsZero()
    {
        var key = await CreateKeyAsync();

        var call = await CallAsync<EncryptOperation, EncryptRequest, EncryptResponse>(
            $$"""{"KeyId": "{{key.KeyId}}", "Plaintext": "{{Convert.ToBase64String(Secret)}}"}""");

        AssertZero(call.Request.Plaintext, Secret.Length);
        var decrypted = await Kms.DecryptAsync(new Sdk.DecryptRequest { CiphertextBlob = new MemoryStream(call.Response!.CiphertextBlob) }, Ct);
        Assert.Equal(Secret, decrypted.Plaintext.ToArray());
    }

    [Fact]
    public async Task Encrypt_WhenTheCallFails_RequestPlaintextIsZero()
    {
        var call = await CallAsync<EncryptOperation, EncryptRequest, EncryptResponse>(
            $$"""{"KeyId": "alias/no-such-alias", "Plaintext": "{{Convert.ToBase64String(Secret)}}"}""");

        Assert.IsType<NotFoundException>(call.Error);
        AssertZero(call.Request.Plaintext, Secret.Length);
    }

    [Fact]
    public async Task Decrypt_AfterTheCall_ResponsePlaintextIsZero_AndWasSent()
    {
        var key = await CreateKeyAsync();
        var encrypted = await Kms.EncryptAsync(new Sdk.EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream(Secret) }, Ct);

        var call = await CallAsync<DecryptOperation, DecryptRequest, DecryptResponse>(
            $$"""{"CiphertextBlob": "{{Convert.ToBase64String(encrypted.CiphertextBlob.ToArray())}}"}""");

        AssertZero(call.Response!.Plaintext, Secret.Length);
        Assert.Equal(Secret, call.Json.GetProperty("Plaintext").GetBytesFromBase64());
    }

    [Fact]
    public async Task GenerateDataKey_AfterTheCall_DataKeyIsZero_AndWasSent()
    {
        var key = await CreateKeyAsync();

        var call = await CallAsync<GenerateDataKeyOperation, GenerateDataKeyRequest, GenerateDataKeyResponse>(
            $$"""{"KeyId": "{{key.KeyId}}", "KeySpec": "AES_256"}""");

        AssertZero(call.Response!.Plaintext, 32);
        var sent = call.Json.GetProperty("Plaintext").GetBytesFromBase64();
        var decrypted = await Kms.DecryptAsync(new Sdk.DecryptRequest { CiphertextBlob = new MemoryStream(call.Response.CiphertextBlob) }, Ct);
        Assert.Equal(sent, decrypted.Plaintext.ToArray());
    }

    [Fact]
    public async Task GenerateRandom_AfterTheCall_RandomBytesAreZero_AndWereSent()
    {
        var call = await CallAsync<GenerateRandomOperation, GenerateRandomRequest, GenerateRandomResponse>(
            """{"NumberOfBytes": 64}""");

        AssertZero(call.Response!.Plaintext, 64);
        var sent = call.Json.GetProperty("Plaintext").GetBytesFromBase64();
        Assert.Equal(64, sent.Length);
        Assert.Contains(sent, b => b != 0);
    }

    private static void AssertZero(byte[]? secret, int length)
    {
        Assert.NotNull(secret);
        Assert.Equal(length, secret.Length);
        Assert.All(secret, b => Assert.Equal(0, b));
    }

    /// <summary>Runs the operation of the running server through the handler the table builds for it, keeping the
    /// request and response objects and a copy of the JSON written, as the endpoint would send it.</summary>
    private async Task<Observed<TReq, TResp>> CallAsync<TOp, TReq, TResp>(string json)
        where TOp : class, IKmsOperation<TOp, TReq, TResp>
        where TReq : class
    {
        var op = Server.Services.GetRequiredService<TOp>();
        TReq? request = null;
        TResp? response = default;
        var handler = OperationTable.Handler<TReq, TResp>(
            async (req, call, ct) =>
            {
                request = req;
                return response = await op.ExecuteAsync(req, call, ct);
            },
            TOp.RequestType,
            TOp.ResponseType,
            TOp.Project);
        var caller = IdentityStore.DevelopmentRoot;
        var context = new CallContext(
            caller.AccountId, caller.Arn, "test", "us-east-1", "aws", "127.0.0.1", Guid.NewGuid().ToString("D"), "tests", caller, SecureTransport: false);

        using var output = new ZeroingBufferWriter();
        KmsException? error = null;
        try
        {
            await handler(Encoding.UTF8.GetBytes(json), context, output, Ct);
        }
        catch (KmsException e)
        {
            error = e;
        }

        using var written = JsonDocument.Parse(output.WrittenCount == 0 ? "{}"u8.ToArray() : output.WrittenMemory);
        return new Observed<TReq, TResp>(request!, response, written.RootElement.Clone(), error);
    }

    private sealed record Observed<TReq, TResp>(TReq Request, TResp? Response, JsonElement Json, KmsException? Error);
}
