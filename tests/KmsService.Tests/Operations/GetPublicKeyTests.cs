using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>GetPublicKey: DER SubjectPublicKeyInfo with the key's spec, usage and that usage's algorithms only.</summary>
public abstract class GetPublicKeyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<KeyMetadata> NewKeyAsync(string spec, string usage) =>
        (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;

    [Theory]
    [InlineData("RSA_2048", "SIGN_VERIFY", "1.2.840.113549.1.1.1", 2048)]
    [InlineData("RSA_3072", "ENCRYPT_DECRYPT", "1.2.840.113549.1.1.1", 3072)]
    [InlineData("RSA_4096", "SIGN_VERIFY", "1.2.840.113549.1.1.1", 4096)]
    [InlineData("ECC_NIST_P256", "SIGN_VERIFY", "1.2.840.10045.3.1.7", 256)]
    [InlineData("ECC_NIST_P384", "KEY_AGREEMENT", "1.3.132.0.34", 384)]
    [InlineData("ECC_NIST_P521", "SIGN_VERIFY", "1.3.132.0.35", 521)]
    [InlineData("ECC_SECG_P256K1", "SIGN_VERIFY", "1.3.132.0.10", 256)]
    public async Task GetPublicKey_OfEachSpec_ReturnsDerSpkiWithSpecUsageAndAlgorithms(string spec, string usage, string oid, int bits)
    {
        var key = await NewKeyAsync(spec, usage);
        var response = await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct);

        Assert.Equal(key.Arn, response.KeyId);
        Assert.Equal(spec, response.KeySpec.Value);
#pragma warning disable CS0618 // AWS still sends the deprecated twin; check it.
        Assert.Equal(spec, response.CustomerMasterKeySpec.Value);
#pragma warning restore CS0618
        Assert.Equal(usage, response.KeyUsage.Value);
        Assert.Equal(key.EncryptionAlgorithms, response.EncryptionAlgorithms);
        Assert.Equal(key.SigningAlgorithms, response.SigningAlgorithms);
        Assert.Equal(key.KeyAgreementAlgorithms, response.KeyAgreementAlgorithms);
        var lists = new[] { response.EncryptionAlgorithms, response.SigningAlgorithms, response.KeyAgreementAlgorithms };
        Assert.Single(lists, l => l is { Count: > 0 });

        var spki = response.PublicKey.ToArray();
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out var read);
            Assert.Equal(spki.Length, read);
            Assert.Equal(bits, rsa.KeySize);
            Assert.Equal(spki, rsa.ExportSubjectPublicKeyInfo());
        }
        else
        {
            using var ec = ECDsa.Create();
            ec.ImportSubjectPublicKeyInfo(spki, out var read);
            Assert.Equal(spki.Length, read);
            Assert.Equal(bits, ec.KeySize);
            Assert.Equal(oid, ec.ExportParameters(false).Curve.Oid.Value);
        }
    }

    [Fact]
    public async Task GetPublicKey_Repeatedly_ReturnsTheSameKey()
    {
        var key = await NewKeyAsync("ECC_NIST_P256", "SIGN_VERIFY");
        var first = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.Arn }, Ct)).PublicKey.ToArray();
        var second = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();
        Assert.Equal(first, second);
    }

    [Fact]
    public async Task GetPublicKey_ByAlias_ReturnsTheKeyArn()
    {
        var key = await NewKeyAsync("RSA_2048", "ENCRYPT_DECRYPT");
        var alias = $"alias/public-{Guid.NewGuid():N}";
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct);
        Assert.Equal(key.Arn, (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = alias }, Ct)).KeyId);
    }

    [Fact]
    public async Task GetPublicKey_SymmetricKey_ThrowsUnsupportedOperation()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} key spec SYMMETRIC_DEFAULT has no public key: GetPublicKey works only on asymmetric KMS keys.", e.Message);
    }

    [Fact]
    public async Task GetPublicKey_HmacKey_ThrowsUnsupportedOperation()
    {
        var key = await NewKeyAsync("HMAC_384", "GENERATE_VERIFY_MAC");
        var e = await Assert.ThrowsAsync<UnsupportedOperationException>(() =>
            Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} key spec HMAC_384 has no public key: GetPublicKey works only on asymmetric KMS keys.", e.Message);
    }

    [Fact]
    public async Task GetPublicKey_DisabledKey_ThrowsDisabled()
    {
        var key = await NewKeyAsync("ECC_NIST_P256", "SIGN_VERIFY");
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var e = await Assert.ThrowsAsync<DisabledException>(() => Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} is disabled.", e.Message);

        await Kms.EnableKeyAsync(new EnableKeyRequest { KeyId = key.KeyId }, Ct);
        await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct);
    }

    [Fact]
    public async Task GetPublicKey_KeyPendingDeletion_ThrowsInvalidState()
    {
        var key = await NewKeyAsync("RSA_2048", "SIGN_VERIFY");
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct);
        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
    }

    [Fact]
    public async Task GetPublicKey_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = id }, Ct));
        Assert.Equal($"Key 'arn:aws:kms:us-east-1:000000000000:key/{id}' does not exist", e.Message);
        e = await Assert.ThrowsAsync<NotFoundException>(() => Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = "alias/no-such-alias" }, Ct));
        Assert.Equal("Alias arn:aws:kms:us-east-1:000000000000:alias/no-such-alias is not found.", e.Message);
    }

    [Fact]
    public async Task GetPublicKey_MalformedGrantToken_ThrowsInvalidGrantToken()
    {
        var key = await NewKeyAsync("ECC_NIST_P256", "SIGN_VERIFY");
        var e = await Assert.ThrowsAsync<InvalidGrantTokenException>(() =>
            Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId, GrantTokens = ["not-a-grant-token"] }, Ct));
        Assert.Equal("The grant token is not valid.", e.Message);
    }

    [Fact]
    public async Task GetPublicKey_DeniedByKeyPolicy_ThrowsAccessDenied()
    {
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        const string Policy = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "Private", "Effect": "Deny", "Principal": "*", "Action": "kms:GetPublicKey", "Resource": "*"}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy }, Ct);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() =>
            Alice.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class GetPublicKeyTests_Sqlite(SqliteFixture f) : GetPublicKeyTests(f);

[Collection("postgres")]
public sealed class GetPublicKeyTests_Postgres(PostgresFixture f) : GetPublicKeyTests(f);
