using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace KmsService.Testing.Example;

/// <summary>What a project's own tests look like with KmsService.Testing: a real KMS endpoint, reset before each test.</summary>
public sealed class EnvelopeEncryptionTests(KmsFixture kms) : IClassFixture<KmsFixture>, IAsyncLifetime
{
    private readonly AmazonKeyManagementServiceClient _client = kms.Server.CreateClient();

    // xunit creates the class for each test: every test starts from an empty store.
    public async ValueTask InitializeAsync() => await kms.Server.ResetAsync(TestContext.Current.CancellationToken);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Decrypt_WithSameEncryptionContext_ReturnsPlaintext()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await _client.CreateKeyAsync(new CreateKeyRequest { Description = "orders" }, ct);
        var context = new Dictionary<string, string> { ["tenant"] = "acme", ["purpose"] = "orders" };

        using var plaintext = new MemoryStream("card 4111"u8.ToArray());
        var encrypted = await _client.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyMetadata.KeyId,
            Plaintext = plaintext,
            EncryptionContext = context,
        }, ct);

        var decrypted = await _client.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = encrypted.CiphertextBlob,
            EncryptionContext = new Dictionary<string, string> { ["purpose"] = "orders", ["tenant"] = "acme" },
        }, ct);

        Assert.Equal(key.KeyMetadata.Arn, decrypted.KeyId);
        Assert.Equal("card 4111"u8.ToArray(), decrypted.Plaintext.ToArray());
    }

    [Fact]
    public async Task Decrypt_WithOtherEncryptionContext_ThrowsInvalidCiphertext()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = await _client.CreateKeyAsync(new CreateKeyRequest(), ct);
        using var plaintext = new MemoryStream("secret"u8.ToArray());
        var encrypted = await _client.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyMetadata.KeyId,
            Plaintext = plaintext,
            EncryptionContext = new Dictionary<string, string> { ["tenant"] = "acme" },
        }, ct);

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => _client.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = encrypted.CiphertextBlob,
            EncryptionContext = new Dictionary<string, string> { ["tenant"] = "globex" },
        }, ct));
    }

    [Fact]
    public async Task ListKeys_AfterReset_IsEmpty()
    {
        var ct = TestContext.Current.CancellationToken;
        await _client.CreateKeyAsync(new CreateKeyRequest(), ct);
        Assert.Single((await _client.ListKeysAsync(new ListKeysRequest(), ct)).Keys);

        await kms.Server.ResetAsync(ct);

        Assert.Empty((await _client.ListKeysAsync(new ListKeysRequest(), ct)).Keys ?? []);
    }
}
