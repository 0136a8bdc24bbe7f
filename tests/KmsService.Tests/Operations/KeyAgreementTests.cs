using System.Diagnostics;
using System.Security.Cryptography;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>DeriveSharedSecret through the AWS SDK: the secret is the one the other party computes (with
/// System.Security.Cryptography and with OpenSSL), and the errors AWS answers (AWS-ERRORS.md, "DeriveSharedSecret").</summary>
public abstract class KeyAgreementTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private async Task<KeyMetadata> CreateAgreementKeyAsync(string spec = "ECC_NIST_P256", AmazonKeyManagementServiceClient? client = null) =>
        (await (client ?? Kms).CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = KeyUsageType.KEY_AGREEMENT }, Ct)).KeyMetadata;

    private Task<DeriveSharedSecretResponse> DeriveAsync(string keyId, byte[] publicKey, AmazonKeyManagementServiceClient? client = null) =>
        (client ?? Kms).DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = keyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(publicKey),
        }, Ct);

    /// <summary>The service key's public key (DER SubjectPublicKeyInfo), as GetPublicKey returns it.</summary>
    private async Task<byte[]> ServicePublicKeyAsync(string keyArn) =>
        (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = keyArn }, Ct)).PublicKey.ToArray();

    private static ECCurve Curve(string spec) => spec switch
    {
        "ECC_NIST_P256" => ECCurve.NamedCurves.nistP256,
        "ECC_NIST_P384" => ECCurve.NamedCurves.nistP384,
        _ => ECCurve.NamedCurves.nistP521,
    };

    [Theory]
    [InlineData("ECC_NIST_P256", 32)]
    [InlineData("ECC_NIST_P384", 48)]
    [InlineData("ECC_NIST_P521", 66)]
    public async Task DeriveSharedSecret_EachCurve_EqualsWhatThePeerComputes(string spec, int secretLength)
    {
        var key = await CreateAgreementKeyAsync(spec);
        using var peer = ECDiffieHellman.Create(Curve(spec));

        var derived = await DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo());

        Assert.Equal(key.Arn, derived.KeyId);
        Assert.Equal(KeyAgreementAlgorithmSpec.ECDH, derived.KeyAgreementAlgorithm);
        Assert.Equal(OriginType.AWS_KMS, derived.KeyOrigin);
        var secret = derived.SharedSecret.ToArray();
        Assert.Equal(secretLength, secret.Length);

        using var service = ECDiffieHellman.Create();
        service.ImportSubjectPublicKeyInfo(await ServicePublicKeyAsync(key.Arn), out _);
        Assert.Equal(peer.DeriveRawSecretAgreement(service.PublicKey), secret);
    }

    [Fact]
    public async Task DeriveSharedSecret_TwoServiceKeys_AgreeWithEachOther()
    {
        var alice = await CreateAgreementKeyAsync("ECC_NIST_P384");
        var bob = await CreateAgreementKeyAsync("ECC_NIST_P384");

        var aliceSide = await DeriveAsync(alice.KeyId, await ServicePublicKeyAsync(bob.Arn));
        var bobSide = await DeriveAsync(bob.Arn, await ServicePublicKeyAsync(alice.Arn));

        Assert.Equal(aliceSide.SharedSecret.ToArray(), bobSide.SharedSecret.ToArray());
    }

    [Fact]
    public async Task DeriveSharedSecret_EqualsOpenSslPkeyutlDerive()
    {
        Assert.SkipUnless(File.Exists("/usr/bin/openssl") || File.Exists("/usr/local/bin/openssl"), "openssl is not installed.");
        var key = await CreateAgreementKeyAsync("ECC_NIST_P256");
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var secret = (await DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo())).SharedSecret.ToArray();

        var dir = Directory.CreateTempSubdirectory("kms-ecdh-");
        try
        {
            var peerKey = Path.Combine(dir.FullName, "peer.pem");
            var servicePublic = Path.Combine(dir.FullName, "service.pem");
            var output = Path.Combine(dir.FullName, "secret.bin");
            await File.WriteAllTextAsync(peerKey, peer.ExportPkcs8PrivateKeyPem(), Ct);
            var serviceSpki = await ServicePublicKeyAsync(key.Arn);
            var servicePem = PemEncoding.WriteString("PUBLIC KEY", serviceSpki);
            await File.WriteAllTextAsync(servicePublic, servicePem, Ct);

            var start = new ProcessStartInfo("openssl") { ArgumentList = { "pkeyutl", "-derive", "-inkey", peerKey, "-peerkey", servicePublic, "-out", output } };
            var (exit, _, stderr) = await ChildProcess.RunAsync(start, Ct);

            Assert.True(exit == 0, stderr);
            Assert.Equal(await File.ReadAllBytesAsync(output, Ct), secret);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task DeriveSharedSecret_PublicKeyNotDer_ThrowsValidationWithoutMessage()
    {
        var key = await CreateAgreementKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => DeriveAsync(key.KeyId, "InvalidPublicKey"u8.ToArray()));

        Assert.Equal("ValidationException", e.ErrorCode);
        // No message, as recorded from AWS: the body is the code alone (the SDK words a message that quotes it).
        Assert.Contains("""{"__type":"ValidationException"}""", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeriveSharedSecret_PublicKeyOnAnotherCurveOrOfAnotherKind_ThrowsValidation()
    {
        var key = await CreateAgreementKeyAsync("ECC_NIST_P256");
        using var p384 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP384);
        using var secp256k1 = ECDiffieHellman.Create(ECCurve.CreateFromValue("1.3.132.0.10"));
        using var rsa = RSA.Create(2048);
        using var p256 = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        byte[] withTrailingByte = [.. p256.ExportSubjectPublicKeyInfo(), 0];
        foreach (var publicKey in new[] { p384.ExportSubjectPublicKeyInfo(), secp256k1.ExportSubjectPublicKeyInfo(), rsa.ExportSubjectPublicKeyInfo(), withTrailingByte })
        {
            var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => DeriveAsync(key.KeyId, publicKey));
            Assert.Equal("ValidationException", e.ErrorCode);
        }
    }

    [Fact]
    public async Task DeriveSharedSecret_PointNotOnTheCurve_ThrowsValidation()
    {
        var key = await CreateAgreementKeyAsync("ECC_NIST_P256");
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var spki = peer.ExportSubjectPublicKeyInfo();
        spki[^1] ^= 0x01; // the last byte of y: (x, y') is not on P-256

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => DeriveAsync(key.KeyId, spki));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task DeriveSharedSecret_PublicKeyOver8192Bytes_ThrowsValidation()
    {
        var key = await CreateAgreementKeyAsync();

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => DeriveAsync(key.KeyId, new byte[8193]));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("1 validation error detected: Value at 'publicKey' failed to satisfy constraint: Member must have length less than or equal to 8192", e.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_WithSigningKey_ThrowsInvalidKeyUsageInAwsWording()
    {
        var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo()));
        Assert.Equal($"{key.Arn} key usage is SIGN_VERIFY which is not valid for DeriveSharedSecret.", e.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_WithSymmetricKey_ThrowsInvalidKeyUsageInAwsWording()
    {
        var key = await CreateKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo()));
        Assert.Equal($"{key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for DeriveSharedSecret.", e.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_UnknownAlgorithm_ThrowsValidationInAwsWording()
    {
        var key = await CreateAgreementKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId,
            KeyAgreementAlgorithm = new KeyAgreementAlgorithmSpec("INVALID"),
            PublicKey = new MemoryStream(peer.ExportSubjectPublicKeyInfo()),
        }, Ct));

        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'INVALID' at 'keyAgreementAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [ECDH]",
            e.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_WithRecipient_ThrowsUnsupportedOperation_AsDecryptDoes()
    {
        var key = await CreateAgreementKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        // DeriveSharedSecret's model does not list UnsupportedOperationException, so the SDK raises its base exception.
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(peer.ExportSubjectPublicKeyInfo()),
            Recipient = new RecipientInfo { KeyEncryptionAlgorithm = KeyEncryptionMechanism.RSAES_OAEP_SHA_256, AttestationDocument = new MemoryStream([1, 2, 3]) },
        }, Ct));
        Assert.Equal("UnsupportedOperationException", e.ErrorCode);
    }

    [Fact]
    public async Task DeriveSharedSecret_DryRun_ThrowsDryRunOperation()
    {
        var key = await CreateAgreementKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        var e = await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(peer.ExportSubjectPublicKeyInfo()),
            DryRun = true,
        }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_OnDisabledKey_ThrowsDisabled_AndOnKeyPendingDeletion_ThrowsInvalidState()
    {
        var key = await CreateAgreementKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        var publicKey = peer.ExportSubjectPublicKeyInfo();

        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        var disabled = await Assert.ThrowsAsync<DisabledException>(() => DeriveAsync(key.KeyId, publicKey));
        Assert.Equal($"{key.Arn} is disabled.", disabled.Message);

        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        var pending = await Assert.ThrowsAsync<KMSInvalidStateException>(() => DeriveAsync(key.KeyId, publicKey));
        Assert.Equal($"{key.Arn} is pending deletion.", pending.Message);
    }

    [Fact]
    public async Task DeriveSharedSecret_MalformedGrantToken_ThrowsInvalidGrantToken()
    {
        var key = await CreateAgreementKeyAsync();
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);

        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Kms.DeriveSharedSecretAsync(new DeriveSharedSecretRequest
        {
            KeyId = key.KeyId,
            KeyAgreementAlgorithm = KeyAgreementAlgorithmSpec.ECDH,
            PublicKey = new MemoryStream(peer.ExportSubjectPublicKeyInfo()),
            GrantTokens = ["not a grant token"],
        }, Ct));
    }

    [Fact]
    public async Task KeyPolicy_KeyAgreementAlgorithmCondition_IsTheRequestsAlgorithm()
    {
        var key = await CreateAgreementKeyAsync(client: Alice);
        using var peer = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        const string allowOnlyOther = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:user/alice"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "NotEcdh", "Effect": "Deny", "Principal": "*", "Action": "kms:DeriveSharedSecret", "Resource": "*",
               "Condition": {"StringNotEquals": {"kms:KeyAgreementAlgorithm": "ECDH"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = allowOnlyOther }, Ct);
        await DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo(), Alice);

        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = allowOnlyOther.Replace("StringNotEquals", "StringEquals", StringComparison.Ordinal) }, Ct);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => DeriveAsync(key.KeyId, peer.ExportSubjectPublicKeyInfo(), Alice));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class KeyAgreementTests_Sqlite(SqliteFixture f) : KeyAgreementTests(f);

[Collection("postgres")]
public sealed class KeyAgreementTests_Postgres(PostgresFixture f) : KeyAgreementTests(f);
