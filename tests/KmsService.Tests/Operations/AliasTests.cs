using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Core.Keys;
using KmsService.Storage;
using KmsService.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using KeyManagerType = KmsService.Core.Keys.KeyManagerType;
using KeySpec = KmsService.Core.Keys.KeySpec;
using KeyState = KmsService.Core.Keys.KeyState;
using KeyUsageType = KmsService.Core.Keys.KeyUsageType;
using OriginType = KmsService.Core.Keys.OriginType;

namespace KmsService.Tests.Operations;

public abstract class AliasTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string Account = "000000000000";

    // ---- CreateAlias ----

    [Fact]
    public async Task CreateAlias_ThenDescribeKeyAndEncrypt_ResolveTheAliasToTheKey()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();

        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);

        foreach (var keyId in new[] { name, $"arn:aws:kms:us-east-1:{Account}:{name}" })
        {
            var meta = (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = keyId }, Ct)).KeyMetadata;
            Assert.Equal(key.Arn, meta.Arn);
        }

        var encrypted = await Kms.EncryptAsync(new EncryptRequest { KeyId = name, Plaintext = new MemoryStream("by alias"u8.ToArray()) }, Ct);
        Assert.Equal(key.Arn, encrypted.KeyId);
        var decrypted = await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = encrypted.CiphertextBlob }, Ct);
        Assert.Equal("by alias"u8.ToArray(), decrypted.Plaintext.ToArray());
    }

    [Fact]
    public async Task CreateAlias_ByKeyArn_PointsAtTheKey()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();

        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.Arn }, Ct);

        var entry = Assert.Single(await ListForKeyAsync(key.KeyId));
        Assert.Equal(name, entry.AliasName);
        Assert.Equal(key.KeyId, entry.TargetKeyId);
    }

    [Fact]
    public async Task CreateAlias_OnADisabledKey_Succeeds()
    {
        var key = await CreateKeyAsync();
        await SetKeyStateAsync(key.Arn, KeyState.Disabled);

        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = key.KeyId }, Ct);

        Assert.Single(await ListForKeyAsync(key.KeyId));
    }

    [Fact]
    public async Task CreateAlias_NameTaken_ThrowsAlreadyExists()
    {
        var key = await CreateKeyAsync();
        var other = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);

        var e = await Assert.ThrowsAsync<AlreadyExistsException>(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = other.KeyId }, Ct));

        Assert.Equal($"An alias with the name arn:aws:kms:us-east-1:{Account}:{name} already exists", e.Message);
    }

    [Fact]
    public async Task CreateAlias_SameNameInAnotherRegion_Succeeds()
    {
        var name = NewAliasName();
        var east = await CreateKeyAsync();
        var west = Server.Client(region: "eu-west-1");
        var westKey = (await west.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;

        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = east.KeyId }, Ct);
        await west.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = westKey.KeyId }, Ct);

        Assert.Equal(westKey.Arn, (await west.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);
        Assert.Equal(east.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);
    }

    [Fact]
    public async Task CreateAlias_WithoutAliasPrefix_ThrowsValidation()
    {
        var key = await CreateKeyAsync();

        var e = await FailsAsync(() => Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "my-key", TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html", e.Message);
    }

    [Fact]
    public async Task CreateAlias_NameWithDisallowedCharacters_ThrowsValidationPattern()
    {
        var key = await CreateKeyAsync();

        // Built at run time: the SDK's analyzer rejects a literal that breaks the model pattern.
        var name = string.Join(' ', "alias/has", "space");

        var e = await FailsAsync(() => Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'alias/has space' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-zA-Z0-9:/_-]+$",
            e.Message);
    }

    [Fact]
    public async Task CreateAlias_NameOf257Characters_ThrowsValidationLength()
    {
        var key = await CreateKeyAsync();
        var name = "alias/" + new string('a', 251);

        var e = await FailsAsync(() => Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            $"1 validation error detected: Value '{name}' at 'aliasName' failed to satisfy constraint: Member must have length less than or equal to 256",
            e.Message);
    }

    [Fact]
    public async Task CreateAlias_NameOf256Characters_Succeeds()
    {
        var key = await CreateKeyAsync();
        var name = "alias/" + Guid.NewGuid().ToString("N") + new string('b', 250 - 32);

        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);

        Assert.Equal(256, Assert.Single(await ListForKeyAsync(key.KeyId)).AliasName.Length);
    }

    [Fact]
    public async Task CreateAlias_ReservedAwsPrefix_ThrowsInvalidAliasName()
    {
        var key = await CreateKeyAsync();

        var e = await Assert.ThrowsAsync<InvalidAliasNameException>(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/aws/mine", TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("InvalidAliasNameException", e.ErrorCode);
    }

    [Fact]
    public async Task CreateAlias_TargetIsAnAlias_ThrowsValidationAliasesMustReferToKeys()
    {
        var e = await FailsAsync(() =>
            Alice.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = TestSeed.PinnedAlias }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Aliases must refer to keys. Not aliases", e.Message);
    }

    [Fact]
    public async Task CreateAlias_TargetIsAnAliasArn_ThrowsValidationAliasesMustReferToKeys()
    {
        var e = await FailsAsync(() =>
            Alice.CreateAliasAsync(
                new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = $"arn:aws:kms:us-east-1:111122223333:{TestSeed.PinnedAlias}" }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Aliases must refer to keys. Not aliases", e.Message);
    }

    [Fact]
    public async Task CreateAlias_NameWithColon_ThrowsValidationInvalidCharacters()
    {
        var key = await CreateKeyAsync();

        var e = await FailsAsync(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/my:alias", TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("alias/my:alias contains invalid characters for an alias", e.Message);
        Assert.Empty(await ListForKeyAsync(key.KeyId));
    }

    [Fact]
    public async Task CreateAlias_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();

        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = id }, Ct));

        Assert.Equal($"Key 'arn:aws:kms:us-east-1:{Account}:key/{id}' does not exist", e.Message);
    }

    [Fact]
    public async Task CreateAlias_KeyOfAnotherAccountByArn_ThrowsAccessDenied()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

        var e = await FailsAsync(() =>
            other.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = TestSeed.PinnedKeyArn }, Ct));

        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.Contains("arn:aws:iam::444455556666:role/other is not authorized to perform: kms:CreateAlias", e.Message);
    }

    [Fact]
    public async Task CreateAlias_KeyPendingDeletion_ThrowsInvalidState()
    {
        var key = await CreateKeyAsync();
        await SetKeyStateAsync(key.Arn, KeyState.PendingDeletion);

        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = key.KeyId }, Ct));

        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
    }

    [Fact]
    public async Task CreateAlias_BeyondFiftyAliasesPerKey_ThrowsLimitExceeded()
    {
        var key = await CreateKeyAsync();
        var prefix = NewAliasName();
        for (var i = 0; i < 50; i++)
        {
            await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = $"{prefix}-{i:D2}", TargetKeyId = key.KeyId }, Ct);
        }

        await Assert.ThrowsAsync<LimitExceededException>(() =>
            Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = $"{prefix}-50", TargetKeyId = key.KeyId }, Ct));

        var listed = await Kms.ListAliasesAsync(new ListAliasesRequest { KeyId = key.KeyId, Limit = 100 }, Ct);
        Assert.Equal(50, listed.Aliases.Count);
    }

    [Fact]
    public async Task CreateAlias_SameNameConcurrentlyOnTwoInstances_ExactlyOneSucceeds()
    {
        var key = await CreateKeyAsync();
        await using var second = await Fixture.StartAnotherAsync();
        var clients = new[] { Kms, second.Client() };

        for (var round = 0; round < 5; round++)
        {
            var name = NewAliasName();
            var outcomes = await Task.WhenAll(clients.Select(async c =>
            {
                try
                {
                    await c.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);
                    return "ok";
                }
                catch (AlreadyExistsException)
                {
                    return "exists";
                }
            }));

            Assert.Equal(["exists", "ok"], outcomes.Order());
        }
    }

    // ---- UpdateAlias ----

    [Fact]
    public async Task UpdateAlias_ToAnotherKey_RetargetsTheAlias()
    {
        var first = await CreateKeyAsync();
        var second = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = first.KeyId }, Ct);
        Assert.Equal(first.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);

        await Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = second.Arn }, Ct);

        Assert.Equal(second.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);
        Assert.Empty(await ListForKeyAsync(first.KeyId));
        var entry = Assert.Single(await ListForKeyAsync(second.KeyId));
        Assert.Equal(second.KeyId, entry.TargetKeyId);
        Assert.True(entry.LastUpdatedDate >= entry.CreationDate);
    }

    [Fact]
    public async Task UpdateAlias_UnknownAlias_ThrowsNotFound()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();

        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct));

        Assert.Equal($"Alias arn:aws:kms:us-east-1:{Account}:{name} is not found.", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_ReservedAwsPrefix_ThrowsInvalidAliasName()
    {
        var key = await CreateKeyAsync();

        var e = await FailsAsync(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = "alias/aws/s3", TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("InvalidAliasNameException", e.ErrorCode);
    }

    [Fact]
    public async Task UpdateAlias_NewTargetPendingDeletion_ThrowsInvalidState()
    {
        var first = await CreateKeyAsync();
        var second = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = first.KeyId }, Ct);
        await SetKeyStateAsync(second.Arn, KeyState.PendingDeletion);

        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = second.KeyId }, Ct));

        Assert.Equal($"{second.Arn} is pending deletion.", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_CurrentTargetPendingDeletion_Succeeds()
    {
        var first = await CreateKeyAsync();
        var second = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = first.KeyId }, Ct);
        await SetKeyStateAsync(first.Arn, KeyState.PendingDeletion);

        await Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = second.KeyId }, Ct);

        Assert.Equal(second.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);
    }

    [Fact]
    public async Task UpdateAlias_NewTargetWithAnotherKeyUsage_ThrowsValidation()
    {
        var first = await CreateKeyAsync();
        var hmac = await InsertKeyAsync(KeyUsageType.GenerateVerifyMac, KeySpec.Hmac256);
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = first.KeyId }, Ct);

        var e = await FailsAsync(() => Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = hmac.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains("key usage ENCRYPT_DECRYPT to a CMK with key usage GENERATE_VERIFY_MAC", e.Message);
        Assert.Equal(first.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct)).KeyMetadata.Arn);
    }

    [Fact]
    public async Task UpdateAlias_NewTargetOfAnotherKeyType_ThrowsValidation()
    {
        var first = await CreateKeyAsync();
        var rsa = await InsertKeyAsync(KeyUsageType.EncryptDecrypt, KeySpec.Rsa2048);
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = first.KeyId }, Ct);

        var e = await FailsAsync(() => Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = rsa.Arn }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains("key spec SYMMETRIC_DEFAULT to a CMK with key spec RSA_2048", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_TargetIsAnAlias_ThrowsValidationAliasesMustReferToKeys()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);

        var e = await FailsAsync(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = name }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Aliases must refer to keys. Not aliases", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_NameWithColon_ThrowsValidationInvalidCharacters()
    {
        var key = await CreateKeyAsync();

        var e = await FailsAsync(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = "alias/a:b", TargetKeyId = key.KeyId }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("alias/a:b contains invalid characters for an alias", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_TargetArnInAnotherRegion_ThrowsNotFoundInvalidArn()
    {
        var key = await CreateKeyAsync();
        var west = (await Server.Client(region: "eu-west-1").CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);

        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = name, TargetKeyId = west.Arn }, Ct));

        Assert.Equal("Invalid arn eu-west-1", e.Message);
    }

    [Fact]
    public async Task UpdateAlias_TooLongTargetKeyId_ThrowsValidationNamingTargetKeyId()
    {
        var e = await FailsAsync(() =>
            Kms.UpdateAliasAsync(new UpdateAliasRequest { AliasName = NewAliasName(), TargetKeyId = new string('k', 2049) }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Contains("at 'targetKeyId' failed to satisfy constraint: Member must have length less than or equal to 2048", e.Message);
    }

    // ---- DeleteAlias ----

    [Fact]
    public async Task DeleteAlias_Existing_RemovesTheAliasButNotTheKey()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);
        await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct);

        await Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = name }, Ct);

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = name }, Ct));
        Assert.Equal($"Alias arn:aws:kms:us-east-1:{Account}:{name} is not found.", e.Message);
        Assert.Empty(await ListForKeyAsync(key.KeyId));
        Assert.Equal(key.Arn, (await Kms.DescribeKeyAsync(new DescribeKeyRequest { KeyId = key.KeyId }, Ct)).KeyMetadata.Arn);
    }

    [Fact]
    public async Task DeleteAlias_KeyPendingDeletion_Succeeds()
    {
        var key = await CreateKeyAsync();
        var name = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);
        await SetKeyStateAsync(key.Arn, KeyState.PendingDeletion);

        await Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = name }, Ct);

        Assert.Empty(await ListForKeyAsync(key.KeyId));
    }

    [Fact]
    public async Task DeleteAlias_Unknown_ThrowsNotFound()
    {
        var name = NewAliasName();

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = name }, Ct));

        Assert.Equal($"Alias arn:aws:kms:us-east-1:{Account}:{name} is not found.", e.Message);
    }

    [Fact]
    public async Task DeleteAlias_ReservedAwsPrefix_ThrowsInvalidAliasName()
    {
        var e = await FailsAsync(() => Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "alias/aws/ebs" }, Ct));

        Assert.Equal("InvalidAliasNameException", e.ErrorCode);
    }

    [Fact]
    public async Task DeleteAlias_WithoutAliasPrefix_ThrowsValidation()
    {
        var e = await FailsAsync(() => Kms.DeleteAliasAsync(new DeleteAliasRequest { AliasName = "not-an-alias" }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.StartsWith("Alias must start with the prefix \"alias/\".", e.Message);
    }

    [Fact]
    public async Task DeleteAlias_OfAnotherAccount_ThrowsNotFoundInTheCallersAccount()
    {
        var other = Server.Client(TestSeed.OtherAccountAccessKey, TestSeed.OtherAccountSecret);

        var e = await Assert.ThrowsAsync<NotFoundException>(() => other.DeleteAliasAsync(new DeleteAliasRequest { AliasName = TestSeed.PinnedAlias }, Ct));

        Assert.Equal($"Alias arn:aws:kms:us-east-1:444455556666:{TestSeed.PinnedAlias} is not found.", e.Message);
        Assert.Equal(TestSeed.PinnedKeyArn, (await Alice.DescribeKeyAsync(new DescribeKeyRequest { KeyId = TestSeed.PinnedAlias }, Ct)).KeyMetadata.Arn);
    }

    // ---- ListAliases ----

    [Fact]
    public async Task ListAliases_ByKeyIdOrArn_ReturnsOnlyThatKeysAliasesWithAllFields()
    {
        var key = await CreateKeyAsync();
        var other = await CreateKeyAsync();
        var before = DateTime.UtcNow.AddMinutes(-5);
        var a = NewAliasName();
        var b = NewAliasName();
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = b, TargetKeyId = key.KeyId }, Ct);
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = a, TargetKeyId = key.KeyId }, Ct);
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = NewAliasName(), TargetKeyId = other.KeyId }, Ct);

        foreach (var keyId in new[] { key.KeyId, key.Arn })
        {
            var response = await Kms.ListAliasesAsync(new ListAliasesRequest { KeyId = keyId }, Ct);

            Assert.False(response.Truncated);
            Assert.Null(response.NextMarker);
            Assert.Equal(new[] { a, b }.Order(StringComparer.Ordinal), response.Aliases.Select(x => x.AliasName));
            Assert.All(response.Aliases, x =>
            {
                Assert.Equal($"arn:aws:kms:us-east-1:{Account}:{x.AliasName}", x.AliasArn);
                Assert.Equal(key.KeyId, x.TargetKeyId);
                Assert.NotNull(x.CreationDate);
                Assert.True(x.CreationDate > before);
                Assert.Equal(x.CreationDate, x.LastUpdatedDate);
            });
        }
    }

    [Fact]
    public async Task ListAliases_WithoutKeyId_IncludesAliasesOfAllMyKeys()
    {
        var listed = await Alice.ListAliasesAsync(new ListAliasesRequest { Limit = 100 }, Ct);

        var pinned = Assert.Single(listed.Aliases, x => x.AliasName == TestSeed.PinnedAlias);
        Assert.Equal(TestSeed.PinnedKeyId, pinned.TargetKeyId);
        Assert.Equal("arn:aws:kms:us-east-1:111122223333:" + TestSeed.PinnedAlias, pinned.AliasArn);
    }

    [Fact]
    public async Task ListAliases_WithLimit_PagesThroughEveryAliasOnceInNameOrder()
    {
        // A region no other test uses, so the listing holds exactly the aliases made here and the predefined
        // alias/aws/* names of AWS managed keys (listed without a target until the key exists).
        var kms = Server.Client(region: "ca-central-1");
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var names = Enumerable.Range(0, 5).Select(i => $"alias/page-{i:D2}").ToList();
        foreach (var name in names.AsEnumerable().Reverse())
        {
            await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = name, TargetKeyId = key.KeyId }, Ct);
        }

        var seen = new List<string>();
        string? marker = null;
        var pages = 0;
        do
        {
            var page = await kms.ListAliasesAsync(new ListAliasesRequest { Limit = 2, Marker = marker }, Ct);
            pages++;
            seen.AddRange(page.Aliases.Select(x => x.AliasName));
            Assert.Equal(page.Truncated == true, page.NextMarker is not null);
            marker = page.NextMarker;
        }
        while (marker is not null);

        var total = names.Count + KmsService.Core.Keys.AwsManagedKeys.AliasNames.Count;
        Assert.Equal((total + 1) / 2, pages);
        Assert.Equal(seen.Order(StringComparer.Ordinal), seen);
        Assert.Equal(names, seen.Where(n => !n.StartsWith("alias/aws/", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task ListAliases_KeyIdIsAnAlias_ThrowsNotFoundInvalidKeyId()
    {
        var e = await Assert.ThrowsAsync<NotFoundException>(() =>
            Alice.ListAliasesAsync(new ListAliasesRequest { KeyId = TestSeed.PinnedAlias }, Ct));

        Assert.Equal($"Invalid keyId '{TestSeed.PinnedAlias}'", e.Message);
    }

    [Fact]
    public async Task ListAliases_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();

        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.ListAliasesAsync(new ListAliasesRequest { KeyId = id }, Ct));

        Assert.Equal($"Key 'arn:aws:kms:us-east-1:{Account}:key/{id}' does not exist", e.Message);
    }

    [Theory]
    [InlineData("not-a-marker")]
    [InlineData("a1.!!!")]
    [InlineData("a1.bm90LWFuLWFsaWFz")]
    public async Task ListAliases_MarkerWeDidNotIssue_ThrowsInvalidMarker(string marker)
    {
        await Assert.ThrowsAsync<InvalidMarkerException>(() => Kms.ListAliasesAsync(new ListAliasesRequest { Marker = marker }, Ct));
    }

    [Theory]
    [InlineData(0, "greater than or equal to 1")]
    [InlineData(101, "less than or equal to 100")]
    public async Task ListAliases_LimitOutOfRange_ThrowsValidation(int limit, string constraint)
    {
        var e = await FailsAsync(() => Kms.ListAliasesAsync(new ListAliasesRequest { Limit = limit }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy constraint: Member must have value {constraint}", e.Message);
    }

    // ---- helpers ----

    private static string NewAliasName() => $"alias/test-{Guid.NewGuid():N}";

    private static Task<AmazonKeyManagementServiceException> FailsAsync(Func<Task> call) =>
        Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(call);

    private async Task<List<AliasListEntry>> ListForKeyAsync(string keyId) =>
        (await Kms.ListAliasesAsync(new ListAliasesRequest { KeyId = keyId }, Ct)).Aliases ?? [];

    /// <summary>Puts a key into a state directly in the store (and out of this instance's cache): the alias
    /// operations' state rules are tested without depending on the key-state operations.</summary>
    private async Task SetKeyStateAsync(string arn, KeyState state)
    {
        DateTime? deletionDate = state == KeyState.PendingDeletion ? DateTime.UtcNow.AddDays(30) : null;
        await using (var db = Server.Services.GetRequiredService<KmsDbFactory>().Create())
        {
            var row = await db.Keys.SingleAsync(k => k.Arn == arn, Ct);
            row.KeyState = state.ToString();
            row.DeletionDate = deletionDate;
            row.Version++;
            await db.SaveChangesAsync(Ct);
        }

        Server.Services.GetRequiredService<KeyStore>().Invalidate(arn);
    }

    /// <summary>Stores a key of a spec that CreateKey does not offer yet (for the UpdateAlias key-type rules).</summary>
    private async Task<KmsKey> InsertKeyAsync(KeyUsageType usage, KeySpec spec)
    {
        var keyId = Guid.NewGuid().ToString();
        var key = new KmsKey(
            KmsKey.BuildArn("us-east-1", Account, keyId), keyId, Account, "us-east-1", DateTimeOffset.UtcNow, string.Empty,
            KeyState.Enabled, usage, spec, OriginType.AwsKms, KeyManagerType.Customer, DeletionDate: null, CurrentMaterialId: null);
        await using var db = Server.Services.GetRequiredService<KmsDbFactory>().Create();
        db.Keys.Add(KeyStore.ToRow(key, KmsService.Operations.KeyPolicies.Default("aws", Account)));
        await db.SaveChangesAsync(Ct);
        return key;
    }
}

[Collection("sqlite")]
public sealed class AliasTests_Sqlite(SqliteFixture f) : AliasTests(f);

[Collection("postgres")]
public sealed class AliasTests_Postgres(PostgresFixture f) : AliasTests(f);
