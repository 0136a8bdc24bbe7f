using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Lifecycle;
using KmsService.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace KmsService.Tests.Operations;

/// <summary>Imported key material (BYOK): CreateKey with Origin EXTERNAL, GetParametersForImport, ImportKeyMaterial,
/// DeleteImportedKeyMaterial, expiry and on-demand rotation of imported material, through the AWS SDK.</summary>
public abstract class ImportKeyMaterialTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<KeyMetadata> CreateExternalKeyAsync(
        AmazonKeyManagementServiceClient? client = null, KeySpec? spec = null, KeyUsageType? usage = null) =>
        (await (client ?? Kms).CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL, KeySpec = spec, KeyUsage = usage }, Ct)).KeyMetadata;

    private async Task<GetParametersForImportResponse> ParametersAsync(
        string keyId, AmazonKeyManagementServiceClient? client = null, AlgorithmSpec? algorithm = null, WrappingKeySpec? spec = null) =>
        await (client ?? Kms).GetParametersForImportAsync(new GetParametersForImportRequest
        {
            KeyId = keyId,
            WrappingAlgorithm = algorithm ?? AlgorithmSpec.RSAES_OAEP_SHA_256,
            WrappingKeySpec = spec ?? WrappingKeySpec.RSA_2048,
        }, Ct);

    /// <summary>RSAES-OAEP of the material under the wrapping public key, as a client does it.</summary>
    private static byte[] WrapOaep(GetParametersForImportResponse parameters, byte[] material, bool sha256 = true)
    {
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(parameters.PublicKey.ToArray(), out _);
        return rsa.Encrypt(material, sha256 ? RSAEncryptionPadding.OaepSHA256 : RSAEncryptionPadding.OaepSHA1);
    }

    private async Task<ImportKeyMaterialResponse> ImportAsync(
        KeyMetadata key,
        byte[] material,
        AmazonKeyManagementServiceClient? client = null,
        Action<ImportKeyMaterialRequest>? change = null)
    {
        var parameters = await ParametersAsync(key.KeyId, client);
        var request = new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = new MemoryStream(WrapOaep(parameters, material)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        };
        change?.Invoke(request);
        return await (client ?? Kms).ImportKeyMaterialAsync(request, Ct);
    }

    private async Task<KeyMetadata> DescribeAsync(string keyId, AmazonKeyManagementServiceClient? client = null) =>
        (await (client ?? Kms).DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata;

    private async Task<MemoryStream> EncryptAsync(string keyId, AmazonKeyManagementServiceClient? client = null) =>
        (await (client ?? Kms).EncryptAsync(new EncryptRequest { KeyId = keyId, Plaintext = new MemoryStream([1, 2, 3]) }, Ct)).CiphertextBlob;

    private async Task<byte[]> DecryptAsync(MemoryStream blob, AmazonKeyManagementServiceClient? client = null) =>
        (await (client ?? Kms).DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob.ToArray()) }, Ct)).Plaintext.ToArray();

    private async Task<(KmsServer Server, FakeTimeProvider Clock)> StartWithFakeClockAsync()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var server = await Fixture.StartAnotherAsync(configure: s => s.AddSingleton<TimeProvider>(clock));
        return (server, clock);
    }

    [Fact]
    public async Task CreateKey_External_IsPendingImportWithoutMaterial()
    {
        var key = await CreateExternalKeyAsync();

        Assert.Equal(OriginType.EXTERNAL, key.Origin);
        Assert.Equal(KeyState.PendingImport, key.KeyState);
        Assert.False(key.Enabled);
        Assert.Null(key.CurrentKeyMaterialId);
        Assert.Null(key.ExpirationModel);
        var described = await DescribeAsync(key.KeyId);
        Assert.Equal(KeyState.PendingImport, described.KeyState);
    }

    [Fact]
    public async Task CryptographicOperations_OnPendingImportKey_ThrowInvalidState()
    {
        var key = await CreateExternalKeyAsync();
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => EncryptAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is pending import.", e.Message);
        e = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.GenerateDataKeyAsync(new GenerateDataKeyRequest { KeyId = key.KeyId, KeySpec = DataKeySpec.AES_256 }, Ct));
        Assert.Equal($"{key.Arn} is pending import.", e.Message);
        e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} is pending import.", e.Message);
    }

    [Fact]
    public async Task CreateKey_ExternalMultiRegion_ThrowsUnsupportedOperation()
    {
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL, MultiRegion = true }, Ct));
    }

    [Theory]
    [InlineData("RSA_2048", 2048)]
    [InlineData("RSA_3072", 3072)]
    [InlineData("RSA_4096", 4096)]
    public async Task GetParametersForImport_ReturnsRsaWrappingKeyValidFor24Hours(string spec, int bits)
    {
        var key = await CreateExternalKeyAsync();
        var before = DateTimeOffset.UtcNow;
        var parameters = await ParametersAsync(key.KeyId, spec: new WrappingKeySpec(spec));

        Assert.Equal(key.Arn, parameters.KeyId);
        using var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(parameters.PublicKey.ToArray(), out _);
        Assert.Equal(bits, rsa.KeySize);
        var validTo = new DateTimeOffset(parameters.ParametersValidTo!.Value);
        Assert.InRange(validTo, before.AddHours(24).AddSeconds(-1), DateTimeOffset.UtcNow.AddHours(24).AddSeconds(1));
        Assert.True(parameters.ImportToken.Length is > 0 and <= 6144);
    }

    [Fact]
    public async Task GetParametersForImport_OnAwsKmsKey_ThrowsUnsupportedOperation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() => ParametersAsync(key.KeyId));
        Assert.Equal($"{key.Arn} origin is AWS_KMS which is not valid for this operation.", e.Message);
    }

    [Fact]
    public async Task GetParametersForImport_WithDeprecatedOrChinaOnlyWrapping_IsRefused()
    {
        var key = await CreateExternalKeyAsync();
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            ParametersAsync(key.KeyId, algorithm: AlgorithmSpec.RSAES_PKCS1_V1_5));
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            ParametersAsync(key.KeyId, algorithm: AlgorithmSpec.SM2PKE, spec: WrappingKeySpec.SM2));
        await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            ParametersAsync(key.KeyId, algorithm: AlgorithmSpec.RSAES_OAEP_SHA_256, spec: WrappingKeySpec.SM2));
    }

    [Fact]
    public async Task GetParametersForImport_OnKeyPendingDeletionOrUnknown_ThrowsAsAws()
    {
        var key = await CreateExternalKeyAsync();
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => ParametersAsync(key.KeyId));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
        await Assert.ThrowsAsync<NotFoundException>(() => ParametersAsync(Guid.NewGuid().ToString()));
    }

    [Fact]
    public async Task GetParametersForImport_WithoutWrappingAlgorithm_ThrowsValidation()
    {
        var key = await CreateExternalKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.GetParametersForImportAsync(
            new GetParametersForImportRequest { KeyId = key.KeyId, WrappingKeySpec = WrappingKeySpec.RSA_2048 }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task ImportKeyMaterial_Symmetric_EnablesTheKeyForEncryptAndDecrypt()
    {
        var key = await CreateExternalKeyAsync();
        var material = RandomNumberGenerator.GetBytes(32);

        var imported = await ImportAsync(key, material);

        Assert.Equal(key.Arn, imported.KeyId);
        Assert.Matches("^[a-f0-9]{64}$", imported.KeyMaterialId);
        var described = await DescribeAsync(key.KeyId);
        Assert.Equal(KeyState.Enabled, described.KeyState);
        Assert.True(described.Enabled);
        Assert.Equal(imported.KeyMaterialId, described.CurrentKeyMaterialId);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE, described.ExpirationModel);
        Assert.Null(described.ValidTo);
        var blob = await EncryptAsync(key.KeyId);
        Assert.Equal([1, 2, 3], await DecryptAsync(blob));
    }

    [Fact]
    public async Task ImportKeyMaterial_SameMaterialIntoTwoKeys_DecryptsOnlyUnderItsOwnKey()
    {
        var material = RandomNumberGenerator.GetBytes(32);
        var first = await CreateExternalKeyAsync();
        var second = await CreateExternalKeyAsync();
        await ImportAsync(first, material);
        await ImportAsync(second, material);

        var blob = await EncryptAsync(first.KeyId);
        await Assert.ThrowsAsync<IncorrectKeyException>(() =>
            Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = blob, KeyId = second.KeyId }, Ct));
    }

    [Fact]
    public async Task ImportKeyMaterial_WithoutExpirationModelOrValidTo_ThrowsRecordedValidation()
    {
        var key = await CreateExternalKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            ImportAsync(key, RandomNumberGenerator.GetBytes(32), change: r => r.ExpirationModel = null));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES", e.Message);
    }

    [Fact]
    public async Task ImportKeyMaterial_WithBadValidTo_ThrowsValidation()
    {
        var key = await CreateExternalKeyAsync();
        foreach (var change in new Action<ImportKeyMaterialRequest>[]
        {
            r => r.ValidTo = DateTime.UtcNow.AddDays(1),
            r => (r.ExpirationModel, r.ValidTo) = (ExpirationModelType.KEY_MATERIAL_EXPIRES, DateTime.UtcNow.AddDays(366)),
            r => (r.ExpirationModel, r.ValidTo) = (ExpirationModelType.KEY_MATERIAL_EXPIRES, DateTime.UtcNow.AddMinutes(-1)),
            r => (r.ImportType, r.KeyMaterialId) = (ImportType.NEW_KEY_MATERIAL, new string('a', 64)),
            r => r.KeyMaterialId = new string('G', 64),
        })
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => ImportAsync(key, RandomNumberGenerator.GetBytes(32), change: change));
            Assert.Equal("ValidationException", e.ErrorCode);
        }

        Assert.Equal(KeyState.PendingImport, (await DescribeAsync(key.KeyId)).KeyState);
    }

    [Fact]
    public async Task ImportKeyMaterial_WithTokenOfAnotherKeyOrAltered_ThrowsInvalidImportToken()
    {
        var key = await CreateExternalKeyAsync();
        var other = await CreateExternalKeyAsync();
        var parameters = await ParametersAsync(other.KeyId);
        var wrapped = WrapOaep(parameters, RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<InvalidImportTokenException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = new MemoryStream(parameters.ImportToken.ToArray()),
            EncryptedKeyMaterial = new MemoryStream(wrapped),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));

        var token = parameters.ImportToken.ToArray();
        token[token.Length / 2] ^= 1;
        await Assert.ThrowsAsync<InvalidImportTokenException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = other.KeyId,
            ImportToken = new MemoryStream(token),
            EncryptedKeyMaterial = new MemoryStream(wrapped),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));
        await Assert.ThrowsAsync<InvalidImportTokenException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = other.KeyId,
            ImportToken = new MemoryStream([1, 2, 3]),
            EncryptedKeyMaterial = new MemoryStream(wrapped),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));
    }

    [Fact]
    public async Task ImportKeyMaterial_WrappedUnderAnotherPublicKey_ThrowsInvalidCiphertext()
    {
        var key = await CreateExternalKeyAsync();
        var parameters = await ParametersAsync(key.KeyId);
        var otherParameters = await ParametersAsync(key.KeyId);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = new MemoryStream(WrapOaep(otherParameters, RandomNumberGenerator.GetBytes(32))),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));

        // The token says SHA-256; OAEP with SHA-1 does not unwrap.
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = new MemoryStream(parameters.ImportToken.ToArray()),
            EncryptedKeyMaterial = new MemoryStream(WrapOaep(parameters, RandomNumberGenerator.GetBytes(32), sha256: false)),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));
    }

    [Fact]
    public async Task ImportKeyMaterial_NotMaterialOfTheKeySpec_ThrowsIncorrectKeyMaterial()
    {
        var key = await CreateExternalKeyAsync();
        await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => ImportAsync(key, RandomNumberGenerator.GetBytes(16)));
        var hmac = await CreateExternalKeyAsync(spec: KeySpec.HMAC_256, usage: KeyUsageType.GENERATE_VERIFY_MAC);
        await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => ImportAsync(hmac, RandomNumberGenerator.GetBytes(20)));
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var p256 = await CreateExternalKeyAsync(spec: KeySpec.ECC_NIST_P256, usage: KeyUsageType.SIGN_VERIFY);
        await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => ImportAsync(p256, ec.ExportPkcs8PrivateKey()));
    }

    [Fact]
    public async Task ImportKeyMaterial_OnAwsKmsKey_ThrowsUnsupportedOperation()
    {
        var key = await CreateKeyAsync();
        var external = await CreateExternalKeyAsync();
        var parameters = await ParametersAsync(external.KeyId);
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() => Kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = new MemoryStream(WrapOaep(parameters, RandomNumberGenerator.GetBytes(32))),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));
        Assert.Equal($"{key.Arn} origin is AWS_KMS which is not valid for this operation.", e.Message);
    }

    [Fact]
    public async Task ImportKeyMaterial_WithExpiredToken_ThrowsExpiredImportToken()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = await CreateExternalKeyAsync(kms);
        var parameters = await ParametersAsync(key.KeyId, kms);
        clock.Advance(TimeSpan.FromHours(24) + TimeSpan.FromSeconds(1));
        await Assert.ThrowsAsync<ExpiredImportTokenException>(() => kms.ImportKeyMaterialAsync(new ImportKeyMaterialRequest
        {
            KeyId = key.KeyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = new MemoryStream(WrapOaep(parameters, RandomNumberGenerator.GetBytes(32))),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        }, Ct));
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_ThenReimport_RestoresOldCiphertexts()
    {
        var key = await CreateExternalKeyAsync();
        var material = RandomNumberGenerator.GetBytes(32);
        var imported = await ImportAsync(key, material);
        var blob = await EncryptAsync(key.KeyId);

        var deleted = await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId }, Ct);

        Assert.Equal(key.Arn, deleted.KeyId);
        Assert.Equal(imported.KeyMaterialId, deleted.KeyMaterialId);
        var described = await DescribeAsync(key.KeyId);
        Assert.Equal(KeyState.PendingImport, described.KeyState);
        Assert.False(described.Enabled);
        Assert.Null(described.ExpirationModel);
        Assert.Equal(imported.KeyMaterialId, described.CurrentKeyMaterialId); // recorded: still reported
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => DecryptAsync(blob));
        Assert.Equal($"{key.Arn} is pending import.", e.Message);

        await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => ImportAsync(key, RandomNumberGenerator.GetBytes(32)));
        var again = await ImportAsync(key, material);

        Assert.Equal(imported.KeyMaterialId, again.KeyMaterialId);
        Assert.Equal([1, 2, 3], await DecryptAsync(blob));
        Assert.Equal(KeyState.Enabled, (await DescribeAsync(key.KeyId)).KeyState);
    }

    [Fact]
    public async Task ImportKeyMaterial_ReimportWithNamedMaterialId_ChecksIt()
    {
        var key = await CreateExternalKeyAsync();
        var material = RandomNumberGenerator.GetBytes(32);
        var imported = await ImportAsync(key, material);
        await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId, KeyMaterialId = imported.KeyMaterialId }, Ct);

        await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => ImportAsync(key, material, change: r =>
            (r.ImportType, r.KeyMaterialId) = (ImportType.EXISTING_KEY_MATERIAL, new string('0', 64))));
        var again = await ImportAsync(key, material, change: r =>
            (r.ImportType, r.KeyMaterialId, r.KeyMaterialDescription) = (ImportType.EXISTING_KEY_MATERIAL, imported.KeyMaterialId, "reimported v1"));
        Assert.Equal(imported.KeyMaterialId, again.KeyMaterialId);
        var rotations = await Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, IncludeKeyMaterial = IncludeKeyMaterial.ALL_KEY_MATERIAL }, Ct);
        var entry = Assert.Single(rotations.Rotations);
        Assert.Equal("reimported v1", entry.KeyMaterialDescription);
        Assert.Equal(ImportState.IMPORTED, entry.ImportState);
        Assert.Equal(KeyMaterialState.CURRENT, entry.KeyMaterialState);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE, entry.ExpirationModel);
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_Errors_AreAwsShaped()
    {
        var awsKms = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = awsKms.KeyId }, Ct));
        Assert.Equal($"{awsKms.Arn} origin is AWS_KMS which is not valid for this operation.", e.Message);

        var key = await CreateExternalKeyAsync();
        await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId }, Ct));
        await ImportAsync(key, RandomNumberGenerator.GetBytes(32));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId, KeyMaterialId = new string('a', 64) }, Ct));
        await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = Guid.NewGuid().ToString() }, Ct));
        var invalid = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId, KeyMaterialId = new string('X', 64) }, Ct));
        Assert.Equal("ValidationException", invalid.ErrorCode);
    }

    [Fact]
    public async Task DeleteImportedKeyMaterial_OnKeyPendingDeletion_KeepsTheState()
    {
        var key = await CreateExternalKeyAsync();
        await ImportAsync(key, RandomNumberGenerator.GetBytes(32));
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(KeyState.PendingDeletion, (await DescribeAsync(key.KeyId)).KeyState);

        // Without its material the key cannot become Disabled (and then Enabled) again.
        var cancelled = await Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(KeyState.PendingImport, (await DescribeAsync(key.KeyId)).KeyState);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = cancelled.KeyId }, Ct));
    }

    [Fact]
    public async Task CancelKeyDeletion_OfKeyWithItsMaterial_IsDisabled()
    {
        var key = await CreateExternalKeyAsync();
        await ImportAsync(key, RandomNumberGenerator.GetBytes(32));
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        await Kms.CancelKeyDeletionAsync(new CancelKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        Assert.Equal(KeyState.Disabled, (await DescribeAsync(key.KeyId)).KeyState);
    }

    [Fact]
    public async Task NewKeyMaterial_WaitsForRotateKeyOnDemand()
    {
        var key = await CreateExternalKeyAsync();
        var first = await ImportAsync(key, RandomNumberGenerator.GetBytes(32));
        var oldBlob = await EncryptAsync(key.KeyId);

        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"No available key material pending rotation for the key: {key.Arn}.", e.Message);

        var second = await ImportAsync(key, RandomNumberGenerator.GetBytes(32), change: r => r.ImportType = ImportType.NEW_KEY_MATERIAL);
        Assert.NotEqual(first.KeyMaterialId, second.KeyMaterialId);
        Assert.Equal(first.KeyMaterialId, (await DescribeAsync(key.KeyId)).CurrentKeyMaterialId);
        var third = RandomNumberGenerator.GetBytes(32);
        e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => ImportAsync(key, third, change: r => r.ImportType = ImportType.NEW_KEY_MATERIAL));
        Assert.StartsWith("New key material (id: ", e.Message);
        Assert.EndsWith($") cannot be imported into KMS key {key.KeyId}, because another key material (id: {second.KeyMaterialId}) is pending rotation.", e.Message);

        var listed = await Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId }, Ct);
        var pending = Assert.Single(listed.Rotations);
        Assert.Equal(second.KeyMaterialId, pending.KeyMaterialId);
        Assert.Equal(KeyMaterialState.PENDING_ROTATION, pending.KeyMaterialState);
        Assert.Null(pending.RotationDate);

        await Kms.RotateKeyOnDemandAsync(new RotateKeyOnDemandRequest { KeyId = key.KeyId }, Ct);

        Assert.Equal(second.KeyMaterialId, (await DescribeAsync(key.KeyId)).CurrentKeyMaterialId);
        Assert.Equal([1, 2, 3], await DecryptAsync(oldBlob));
        listed = await Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, IncludeKeyMaterial = IncludeKeyMaterial.ALL_KEY_MATERIAL }, Ct);
        Assert.Equal([KeyMaterialState.NON_CURRENT, KeyMaterialState.CURRENT], listed.Rotations.Select(r => r.KeyMaterialState));
        Assert.Equal(RotationType.ON_DEMAND, listed.Rotations[1].RotationType);

        // Deleting the old, non-current material makes the whole key unusable until it is imported again.
        await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId, KeyMaterialId = first.KeyMaterialId }, Ct);
        Assert.Equal(KeyState.PendingImport, (await DescribeAsync(key.KeyId)).KeyState);
        listed = await Kms.ListKeyRotationsAsync(new ListKeyRotationsRequest { KeyId = key.KeyId, IncludeKeyMaterial = IncludeKeyMaterial.ALL_KEY_MATERIAL }, Ct);
        Assert.Equal([ImportState.PENDING_IMPORT, ImportState.IMPORTED], listed.Rotations.Select(r => r.ImportState));
    }

    [Fact]
    public async Task EnableKeyRotation_OnExternalKey_ThrowsUnsupportedOperation()
    {
        var key = await CreateExternalKeyAsync();
        await ImportAsync(key, RandomNumberGenerator.GetBytes(32));
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.EnableKeyRotationAsync(new EnableKeyRotationRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} origin is EXTERNAL which is not valid for this operation.", e.Message);
    }

    [Fact]
    public async Task ExpiringMaterial_AfterValidTo_IsDeletedByTheSweep()
    {
        var (server, clock) = await StartWithFakeClockAsync();
        await using var _ = server;
        var kms = server.Client();
        var key = await CreateExternalKeyAsync(kms);
        var validTo = clock.GetUtcNow().AddDays(2);
        await ImportAsync(key, RandomNumberGenerator.GetBytes(32), kms, r =>
            (r.ExpirationModel, r.ValidTo) = (ExpirationModelType.KEY_MATERIAL_EXPIRES, validTo.UtcDateTime));
        var blob = await EncryptAsync(key.KeyId, kms);
        var described = await DescribeAsync(key.KeyId, kms);
        Assert.Equal(ExpirationModelType.KEY_MATERIAL_EXPIRES, described.ExpirationModel);
        Assert.Equal(validTo.ToUnixTimeSeconds(), new DateTimeOffset(described.ValidTo!.Value).ToUnixTimeSeconds());

        // The hosted sweep may run too when the clock moves: whichever instance runs first deletes the material once.
        var sweep = server.Services.GetRequiredService<KeyMaterialExpiryService>();
        clock.Advance(TimeSpan.FromDays(1));
        await sweep.RunOnceAsync(Ct);
        Assert.Equal(KeyState.Enabled, (await DescribeAsync(key.KeyId, kms)).KeyState);
        clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));
        await sweep.RunOnceAsync(Ct);
        Assert.Empty(await sweep.RunOnceAsync(Ct));

        described = await DescribeAsync(key.KeyId, kms);
        Assert.Equal(KeyState.PendingImport, described.KeyState);
        Assert.Null(described.ExpirationModel);
        await Assert.ThrowsAsync<KMSInvalidStateException>(() => DecryptAsync(blob, kms));
    }
}

[Collection("sqlite")]
public sealed class ImportKeyMaterialTests_Sqlite(SqliteFixture f) : ImportKeyMaterialTests(f);

[Collection("postgres")]
public sealed class ImportKeyMaterialTests_Postgres(PostgresFixture f) : ImportKeyMaterialTests(f);
