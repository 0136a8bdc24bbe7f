using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

public abstract class EncryptDecryptTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private static MemoryStream Bytes(string s) => new(Encoding.UTF8.GetBytes(s));

    private static Dictionary<string, string> Context => new() { ["tenant"] = "acme", ["purpose"] = "test" };

    private async Task<(KeyMetadata Key, MemoryStream Blob)> EncryptAsync(string plaintext, Dictionary<string, string>? context = null)
    {
        var key = await CreateKeyAsync();
        var response = await Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = Bytes(plaintext),
            EncryptionContext = context,
        }, Ct);
        Assert.Equal(key.Arn, response.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, response.EncryptionAlgorithm);
        return (key, response.CiphertextBlob);
    }

    [Fact]
    public async Task Decrypt_WithoutKeyId_ReturnsPlaintextKeyArnAndMaterialId()
    {
        var (key, blob) = await EncryptAsync("hello", Context);

        var result = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = Context }, Ct);

        Assert.Equal("hello", Encoding.UTF8.GetString(result.Plaintext.ToArray()));
        Assert.Equal(key.Arn, result.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, result.EncryptionAlgorithm);
        Assert.Equal(key.CurrentKeyMaterialId, result.KeyMaterialId);
    }

    [Fact]
    public async Task Decrypt_WithContextPairsInOtherOrder_Succeeds()
    {
        var (_, blob) = await EncryptAsync("hello", Context);
        var reordered = new Dictionary<string, string> { ["purpose"] = "test", ["tenant"] = "acme" };
        var result = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, EncryptionContext = reordered }, Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Decrypt_WithOtherEncryptionContext_ThrowsInvalidCiphertext()
    {
        var (_, blob) = await EncryptAsync("hello", Context);
        var e = await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = blob,
            EncryptionContext = new() { ["tenant"] = "ACME", ["purpose"] = "test" },
        }, Ct));
        Assert.Equal("InvalidCiphertextException", e.ErrorCode);
    }

    [Fact]
    public async Task Decrypt_WithoutTheEncryptionContext_ThrowsInvalidCiphertext()
    {
        var (_, blob) = await EncryptAsync("hello", Context);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct));
    }

    [Fact]
    public async Task Decrypt_WithFlippedByte_ThrowsInvalidCiphertext()
    {
        var (_, blob) = await EncryptAsync("hello", Context);
        var bytes = blob.ToArray();
        foreach (var index in new[] { 0, 1, 5, 40, bytes.Length / 2, bytes.Length - 1 })
        {
            var tampered = (byte[])bytes.Clone();
            tampered[index] ^= 0x01;
            await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(new DecryptRequest
            {
                CiphertextBlob = new MemoryStream(tampered),
                EncryptionContext = Context,
            }, Ct));
        }
    }

    [Fact]
    public async Task Decrypt_TruncatedOrExtended_ThrowsInvalidCiphertext()
    {
        var (_, blob) = await EncryptAsync("hello");
        var bytes = blob.ToArray();
        await Assert.ThrowsAsync<InvalidCiphertextException>(() =>
            Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(bytes[3..]) }, Ct));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() =>
            Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream([.. bytes, 0x00]) }, Ct));
    }

    [Fact]
    public async Task Decrypt_WithKeyIdOfAnotherKey_ThrowsIncorrectKey()
    {
        var (_, blob) = await EncryptAsync("hello");
        var other = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<IncorrectKeyException>(() =>
            Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, KeyId = other.KeyId }, Ct));
        Assert.Equal("The key ID in the request does not identify a CMK that can perform this operation.", e.Message);
    }

    [Fact]
    public async Task Decrypt_WithMatchingKeyArn_Succeeds()
    {
        var (key, blob) = await EncryptAsync("hello");
        var result = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, KeyId = key.Arn }, Ct);
        Assert.Equal("hello", Encoding.UTF8.GetString(result.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Decrypt_InAnotherAccount_ThrowsAccessDenied()
    {
        var (_, blob) = await EncryptAsync("hello");
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            other.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }

    [Fact]
    public async Task Decrypt_PinnedCiphertextFromAnotherDatabase_Succeeds()
    {
        // Made once with the seed's pinned material on a different, since discarded, database and root key.
        const string blob = PinnedCiphertext.Base64;
        var result = await Alice.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = new MemoryStream(Convert.FromBase64String(blob)),
            EncryptionContext = new() { ["purpose"] = "pinned" },
        }, Ct);
        Assert.Equal(TestSeed.PinnedKeyArn, result.KeyId);
        Assert.Equal(PinnedCiphertext.Plaintext, Encoding.UTF8.GetString(result.Plaintext.ToArray()));
    }

    [Fact]
    public async Task Encrypt_ByAliasNameAndAliasArn_UsesTheAliasTarget()
    {
        foreach (var keyId in new[] { TestSeed.PinnedAlias, "arn:aws:kms:us-east-1:111122223333:" + TestSeed.PinnedAlias })
        {
            var response = await Alice.EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = Bytes("x") }, Ct);
            Assert.Equal(TestSeed.PinnedKeyArn, response.KeyId);
        }
    }

    [Fact]
    public async Task Encrypt_PlaintextOver4096Bytes_ThrowsValidationWithoutEchoingIt()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream(new byte[4097]),
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096", e.Message);
    }

    [Fact]
    public async Task Encrypt_4096Bytes_RoundTripsWithinTheBlobLimit()
    {
        var key = await CreateKeyAsync();
        var plaintext = new byte[4096];
        Random.Shared.NextBytes(plaintext);
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream(plaintext) }, Ct)).CiphertextBlob;
        Assert.True(blob.Length <= 6144);
        var result = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
        Assert.Equal(plaintext, result.Plaintext.ToArray());
    }

    [Fact]
    public async Task Encrypt_UnknownKey_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.EncryptAsync(new EncryptRequest { KeyId = Guid.NewGuid().ToString(), Plaintext = Bytes("x") }, Ct));
    }

    [Fact]
    public async Task Encrypt_WithRsaAlgorithm_ThrowsInvalidKeyUsage()
    {
        var key = await CreateKeyAsync();
        await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = Bytes("x"),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct));
    }

    [Fact]
    public async Task Encrypt_DryRun_ThrowsDryRunOperation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<DryRunOperationException>(() =>
            Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = Bytes("x"), DryRun = true }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
    }

    [Fact]
    public async Task Encrypt_TooManyGrantTokens_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = Bytes("x"),
            GrantTokens = Enumerable.Range(0, 11).Select(i => $"t{i}").ToList(),
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task ReEncrypt_ToAnotherKey_DecryptsUnderTheNewKeyAndContext()
    {
        var (source, blob) = await EncryptAsync("move me", Context);
        var destination = await CreateKeyAsync();

        var moved = await Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = blob,
            SourceEncryptionContext = Context,
            DestinationKeyId = destination.KeyId,
            DestinationEncryptionContext = new() { ["stage"] = "2" },
        }, Ct);

        Assert.Equal(source.Arn, moved.SourceKeyId);
        Assert.Equal(destination.Arn, moved.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, moved.SourceEncryptionAlgorithm);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, moved.DestinationEncryptionAlgorithm);
        var result = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = moved.CiphertextBlob, EncryptionContext = new() { ["stage"] = "2" } }, Ct);
        Assert.Equal("move me", Encoding.UTF8.GetString(result.Plaintext.ToArray()));
        Assert.Equal(destination.Arn, result.KeyId);
    }

    [Fact]
    public async Task ReEncrypt_WithWrongSourceContext_ThrowsInvalidCiphertext()
    {
        var (_, blob) = await EncryptAsync("x", Context);
        var destination = await CreateKeyAsync();
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = blob,
            DestinationKeyId = destination.KeyId,
        }, Ct));
    }

    [Fact]
    public async Task ReEncrypt_WithWrongSourceKeyId_ThrowsIncorrectKey()
    {
        var (_, blob) = await EncryptAsync("x");
        var other = await CreateKeyAsync();
        await Assert.ThrowsAsync<IncorrectKeyException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = blob,
            SourceKeyId = other.KeyId,
            DestinationKeyId = other.KeyId,
        }, Ct));
    }

    [Fact]
    public async Task ReEncrypt_ToUnknownKey_ThrowsNotFound()
    {
        var (_, blob) = await EncryptAsync("x");
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = blob,
            DestinationKeyId = Guid.NewGuid().ToString(),
        }, Ct));
    }
}

[Collection("sqlite")]
public sealed class EncryptDecryptTests_Sqlite(SqliteFixture f) : EncryptDecryptTests(f);

[Collection("postgres")]
public sealed class EncryptDecryptTests_Postgres(PostgresFixture f) : EncryptDecryptTests(f);
