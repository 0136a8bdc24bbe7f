using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

public abstract class DataKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Theory]
    [InlineData("AES_256", 32)]
    [InlineData("AES_128", 16)]
    public async Task GenerateDataKey_WithKeySpec_ReturnsKeyOfThatSizeThatDecrypts(string spec, int length)
    {
        var key = await CreateKeyAsync();
        var context = new Dictionary<string, string> { ["bucket"] = "b1" };
        var dataKey = await Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest
        {
            KeyId = key.KeyId,
            KeySpec = new DataKeySpec(spec),
            EncryptionContext = context,
        }, Ct);

        Assert.Equal(length, dataKey.Plaintext.Length);
        Assert.Equal(key.Arn, dataKey.KeyId);
        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob, EncryptionContext = context }, Ct);
        Assert.Equal(dataKey.Plaintext.ToArray(), decrypted.Plaintext.ToArray());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    public async Task GenerateDataKey_WithNumberOfBytes_ReturnsThatMany(int n)
    {
        var key = await CreateKeyAsync();
        var dataKey = await Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = n }, Ct);
        Assert.Equal(n, dataKey.Plaintext.Length);
    }

    [Fact]
    public async Task GenerateDataKey_WithNeitherSpecNorBytes_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Please specify either number of bytes or key spec.", e.Message);
    }

    [Fact]
    public async Task GenerateDataKey_WithBothSpecAndBytes_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, NumberOfBytes = 32 }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task GenerateDataKey_With1025Bytes_ThrowsValidation()
    {
        var key = await CreateKeyAsync();
        var tooMany = 1025;
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, NumberOfBytes = tooMany }, Ct));
        Assert.Equal("1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024", e.Message);
    }

    [Fact]
    public async Task GenerateDataKey_UnknownKey_ThrowsNotFound()
    {
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = Guid.NewGuid().ToString(), KeySpec = DataKeySpec.AES_256 }, Ct));
    }

    [Fact]
    public async Task GenerateDataKeyWithoutPlaintext_ReturnsOnlyACiphertextThatDecrypts()
    {
        var key = await CreateKeyAsync();
        var dataKey = await Kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest
        {
            KeyId = key.KeyId,
            KeySpec = DataKeySpec.AES_256,
        }, Ct);
        Assert.Equal(key.Arn, dataKey.KeyId);
        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = dataKey.CiphertextBlob }, Ct);
        Assert.Equal(32, decrypted.Plaintext.Length);
    }

    [Fact]
    public async Task GenerateDataKeyWithoutPlaintext_DryRun_ThrowsDryRunOperation()
    {
        var key = await CreateKeyAsync();
        await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.GenerateDataKeyWithoutPlaintextAsync(
            new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256, DryRun = true }, Ct));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(1024)]
    public async Task GenerateRandom_InRange_ReturnsThatManyBytes(int n)
    {
        var random = await Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = n }, Ct);
        Assert.Equal(n, random.Plaintext.Length);
    }

    [Theory]
    [InlineData(0, "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: Member must have value greater than or equal to 1")]
    [InlineData(1025, "1 validation error detected: Value '1025' at 'numberOfBytes' failed to satisfy constraint: Member must have value less than or equal to 1024")]
    public async Task GenerateRandom_OutOfRange_ThrowsValidationWithAwsMessage(int n, string message)
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = n }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public async Task GenerateRandom_WithoutNumberOfBytes_ThrowsValidation()
    {
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.GenerateRandomAsync(new GenerateRandomRequest(), Ct));
        Assert.Equal("NumberOfBytes is required.", e.Message);
    }
}

[Collection("sqlite")]
public sealed class DataKeyTests_Sqlite(SqliteFixture f) : DataKeyTests(f);

[Collection("postgres")]
public sealed class DataKeyTests_Postgres(PostgresFixture f) : DataKeyTests(f);
