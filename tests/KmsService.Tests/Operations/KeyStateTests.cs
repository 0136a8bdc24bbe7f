using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>The AWS key-state table: what each operation does in each state a key can reach here.</summary>
public abstract class KeyStateTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<(KeyMetadata Key, MemoryStream Blob)> KeyInStateAsync(string state)
    {
        var key = await CreateKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;
        switch (state)
        {
            case "Disabled":
                await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
                break;
            case "PendingDeletion":
                await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
                break;
        }

        return (key, blob);
    }

    private static MemoryStream Copy(MemoryStream s) => new(s.ToArray());

    private IEnumerable<(string Name, Func<Task> Call)> CryptographicCalls(KeyMetadata key, MemoryStream blob, string destination) =>
    [
        ("Encrypt", () => Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct)),
        ("Decrypt", () => Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = Copy(blob) }, Ct)),
        ("ReEncrypt", () => Kms.ReEncryptAsync(new ReEncryptRequest { CiphertextBlob = Copy(blob), DestinationKeyId = destination }, Ct)),
        ("GenerateDataKey", () => Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct)),
        ("GenerateDataKeyWithoutPlaintext", () => Kms.GenerateDataKeyWithoutPlaintextAsync(new GenerateDataKeyWithoutPlaintextRequest { KeyId = key.KeyId, NumberOfBytes = 16 }, Ct)),
    ];

    [Fact]
    public async Task CryptographicOperations_OnDisabledKey_ThrowDisabled()
    {
        var (key, blob) = await KeyInStateAsync("Disabled");
        var destination = (await CreateKeyAsync()).KeyId;
        foreach (var (name, call) in CryptographicCalls(key, blob, destination))
        {
            var e = await Assert.ThrowsAsync<DisabledException>(call);
            Assert.True(e.Message == $"{key.Arn} is disabled.", $"{name}: {e.Message}");
        }
    }

    [Fact]
    public async Task CryptographicOperations_OnKeyPendingDeletion_ThrowInvalidState()
    {
        var (key, blob) = await KeyInStateAsync("PendingDeletion");
        var destination = (await CreateKeyAsync()).KeyId;
        foreach (var (name, call) in CryptographicCalls(key, blob, destination))
        {
            var e = await Assert.ThrowsAsync<KMSInvalidStateException>(call);
            Assert.True(e.Message == $"{key.Arn} is pending deletion.", $"{name}: {e.Message}");
        }
    }

    [Fact]
    public async Task ReEncrypt_ToDisabledDestination_ThrowsDisabled()
    {
        var (_, blob) = await KeyInStateAsync("Enabled");
        var (destination, _) = await KeyInStateAsync("Disabled");
        await Assert.ThrowsAsync<DisabledException>(() =>
            Kms.ReEncryptAsync(new ReEncryptRequest { CiphertextBlob = blob, DestinationKeyId = destination.KeyId }, Ct));
    }

    [Fact]
    public async Task DisableThenEnable_RestoresCryptography()
    {
        var (key, blob) = await KeyInStateAsync("Disabled");
        var disabled = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Disabled, disabled.KeyState);
        Assert.False(disabled.Enabled);

        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct); // already disabled: no error
        await Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.Arn }, Ct);
        await Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.Arn }, Ct); // already enabled: no error

        var enabled = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Enabled, enabled.KeyState);
        Assert.True(enabled.Enabled);
        await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct);
    }

    [Fact]
    public async Task EnableAndDisable_OnKeyPendingDeletion_ThrowInvalidState()
    {
        var (key, _) = await KeyInStateAsync("PendingDeletion");
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct));
    }

    [Fact]
    public async Task ScheduleKeyDeletion_ReturnsDeletionDateAndState()
    {
        var key = await CreateKeyAsync();
        var before = DateTime.UtcNow;
        var response = await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct);

        Assert.Equal(key.Arn, response.KeyId);
        Assert.Equal(KeyState.PendingDeletion, response.KeyState);
        Assert.Equal(30, response.PendingWindowInDays);
        Assert.InRange(response.DeletionDate!.Value, before.AddDays(30).AddMinutes(-1), before.AddDays(30).AddMinutes(1));

        var described = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.PendingDeletion, described.KeyState);
        Assert.False(described.Enabled);
        Assert.Equal(response.DeletionDate, described.DeletionDate);
    }

    [Fact]
    public async Task ScheduleKeyDeletion_OnKeyAlreadyPendingDeletion_ThrowsInvalidState()
    {
        var (key, _) = await KeyInStateAsync("PendingDeletion");
        await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct));
    }

    [Fact]
    public async Task ScheduleKeyDeletion_OnDisabledKey_Succeeds()
    {
        var (key, _) = await KeyInStateAsync("Disabled");
        var response = await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        Assert.Equal(7, response.PendingWindowInDays);
    }

    [Theory]
    [InlineData(6, "greater than or equal to 7")]
    [InlineData(31, "less than or equal to 30")]
    public async Task ScheduleKeyDeletion_WindowOutOfRange_ThrowsValidation(int days, string constraint)
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = days }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{days}' at 'pendingWindowInDays' failed to satisfy constraint: Member must have value {constraint}", e.Message);
    }

    [Fact]
    public async Task CancelKeyDeletion_LeavesTheKeyDisabled()
    {
        var (key, blob) = await KeyInStateAsync("PendingDeletion");
        var response = await Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(key.Arn, response.KeyId);

        var described = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata;
        Assert.Equal(KeyState.Disabled, described.KeyState);
        Assert.Null(described.DeletionDate);
        await Assert.ThrowsAsync<DisabledException>(() => Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob }, Ct));
    }

    [Theory]
    [InlineData("Enabled")]
    [InlineData("Disabled")]
    public async Task CancelKeyDeletion_OnKeyNotPendingDeletion_ThrowsInvalidState(string state)
    {
        var (key, _) = await KeyInStateAsync(state);
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} is not pending deletion.", e.Message);
    }

    [Fact]
    public async Task StateOperations_WithAliasName_ThrowNotFoundInvalidKeyId()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Alice.DisableKeyAsync(new DisableKeyRequest { KeyId = TestSeed.PinnedAlias }, Ct));
        Assert.Equal($"Invalid keyId '{TestSeed.PinnedAlias}'", e.Message);
    }

    [Fact]
    public async Task StateOperations_OnUnknownKey_ThrowNotFound()
    {
        var id = Guid.NewGuid().ToString();
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = id }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = id }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = id }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() => Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = id }, Ct));
    }

    [Fact]
    public async Task StateOperations_OnAnotherAccountsKey_ThrowAccessDenied()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            other.DisableKeyAsync(new DisableKeyRequest { KeyId = TestSeed.PinnedKeyArn }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class KeyStateTests_Sqlite(SqliteFixture f) : KeyStateTests(f);

[Collection("postgres")]
public sealed class KeyStateTests_Postgres(PostgresFixture f) : KeyStateTests(f);
