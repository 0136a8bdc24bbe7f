using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>Encrypt, Decrypt and ReEncrypt with RSA ENCRYPT_DECRYPT keys: the raw RSAES-OAEP ciphertext AWS returns,
/// interoperable with any RSA library holding the public key.</summary>
public abstract class AsymmetricEncryptionTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private const string Oaep1 = "RSAES_OAEP_SHA_1";
    private const string Oaep256 = "RSAES_OAEP_SHA_256";

    private async Task<KeyMetadata> RsaKeyAsync(string spec = "RSA_2048", string usage = "ENCRYPT_DECRYPT") =>
        (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;

    private async Task<MemoryStream> EncryptAsync(KeyMetadata key, byte[] plaintext, string algorithm = Oaep256) =>
        (await Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream(plaintext),
            EncryptionAlgorithm = new EncryptionAlgorithmSpec(algorithm),
        }, Ct)).CiphertextBlob;

    private Task<DecryptResponse> DecryptAsync(KeyMetadata key, byte[] ciphertext, string? algorithm = Oaep256) =>
        Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId,
            CiphertextBlob = new MemoryStream(ciphertext),
            EncryptionAlgorithm = algorithm is null ? null : new EncryptionAlgorithmSpec(algorithm),
        }, Ct);

    private async Task<RSA> PublicKeyAsync(KeyMetadata key)
    {
        var spki = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();
        var rsa = RSA.Create();
        rsa.ImportSubjectPublicKeyInfo(spki, out _);
        return rsa;
    }

    private static RSAEncryptionPadding Padding(string algorithm) =>
        algorithm == Oaep1 ? RSAEncryptionPadding.OaepSHA1 : RSAEncryptionPadding.OaepSHA256;

    [Theory]
    [InlineData("RSA_2048", Oaep1)]
    [InlineData("RSA_2048", Oaep256)]
    [InlineData("RSA_3072", Oaep1)]
    [InlineData("RSA_3072", Oaep256)]
    [InlineData("RSA_4096", Oaep1)]
    [InlineData("RSA_4096", Oaep256)]
    public async Task EncryptThenDecrypt_WithEachRsaSpecAndAlgorithm_ReturnsPlaintext(string spec, string algorithm)
    {
        var key = await RsaKeyAsync(spec);
        var encrypted = await Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream("attack at dawn"u8.ToArray()),
            EncryptionAlgorithm = new EncryptionAlgorithmSpec(algorithm),
        }, Ct);

        Assert.Equal(key.Arn, encrypted.KeyId);
        Assert.Equal(algorithm, encrypted.EncryptionAlgorithm.Value);
        Assert.Equal(int.Parse(spec[4..], System.Globalization.CultureInfo.InvariantCulture) / 8, encrypted.CiphertextBlob.Length); // raw RSA ciphertext

        var decrypted = await DecryptAsync(key, encrypted.CiphertextBlob.ToArray(), algorithm);
        Assert.Equal("attack at dawn", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
        Assert.Equal(key.Arn, decrypted.KeyId);
        Assert.Equal(algorithm, decrypted.EncryptionAlgorithm.Value);
        Assert.Null(decrypted.KeyMaterialId); // AWS reports it only for symmetric keys.
    }

    [Theory]
    [InlineData(Oaep1)]
    [InlineData(Oaep256)]
    public async Task Decrypt_CiphertextMadeOfflineWithThePublicKey_ReturnsPlaintext(string algorithm)
    {
        var key = await RsaKeyAsync();
        using var rsa = await PublicKeyAsync(key);
        var ciphertext = rsa.Encrypt("made offline"u8.ToArray(), Padding(algorithm));

        var decrypted = await DecryptAsync(key, ciphertext, algorithm);

        Assert.Equal("made offline", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
    }

    [Theory]
    [InlineData(Oaep1)]
    [InlineData(Oaep256)]
    public async Task Decrypt_CiphertextMadeWithAnotherPublicKey_ThrowsInvalidCiphertext(string algorithm)
    {
        var key = await RsaKeyAsync();
        using var other = RSA.Create(2048);
        var foreign = other.Encrypt("x"u8.ToArray(), Padding(algorithm));

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(key, foreign, algorithm));
    }

    [Fact]
    public async Task Decrypt_CiphertextMadeWithPythonCryptography_ReturnsPlaintext()
    {
        var key = await RsaKeyAsync();
        var spki = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();
        const string script = """
            import base64, sys
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import padding
            key = serialization.load_der_public_key(base64.b64decode(sys.argv[1]))
            oaep = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
            print(base64.b64encode(key.encrypt(b"from python", oaep)).decode())
            """;
        var start = new ProcessStartInfo("python3") { ArgumentList = { "-c", script, Convert.ToBase64String(spki) } };
        (int ExitCode, string StandardOutput, string StandardError) run;
        try
        {
            run = await ChildProcess.RunAsync(start, Ct);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Skip("python3 is not installed.");
            return;
        }

        Assert.SkipWhen(run.StandardError.Contains("No module named 'cryptography'", StringComparison.Ordinal), "Python's cryptography package is not installed.");
        Assert.True(run.ExitCode == 0, run.StandardError);

        var decrypted = await DecryptAsync(key, Convert.FromBase64String(run.StandardOutput.Trim()), Oaep256);

        Assert.Equal("from python", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
    }

    [Theory]
    [InlineData("RSA_2048", Oaep1, 214)]
    [InlineData("RSA_2048", Oaep256, 190)]
    [InlineData("RSA_3072", Oaep1, 342)]
    [InlineData("RSA_3072", Oaep256, 318)]
    [InlineData("RSA_4096", Oaep1, 470)]
    [InlineData("RSA_4096", Oaep256, 446)]
    public async Task Encrypt_PlaintextAtAndAboveTheLimit_SucceedsThenThrowsValidation(string spec, string algorithm, int limit)
    {
        var key = await RsaKeyAsync(spec);
        var atLimit = RandomNumberGenerator.GetBytes(limit);

        var ciphertext = await EncryptAsync(key, atLimit, algorithm);
        Assert.Equal(atLimit, (await DecryptAsync(key, ciphertext.ToArray(), algorithm)).Plaintext.ToArray());

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => EncryptAsync(key, new byte[limit + 1], algorithm));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"Algorithm {algorithm} and key spec {spec} cannot encrypt data larger than {limit} bytes.", e.Message);
    }

    [Fact]
    public async Task Encrypt_WithRsaKeyAndNoAlgorithm_ThrowsInvalidKeyUsage()
    {
        // Omitted, the algorithm is SYMMETRIC_DEFAULT, which an RSA key does not support.
        var key = await RsaKeyAsync("RSA_3072");
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.EncryptAsync(
            new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct));
        Assert.Equal("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_3072.", e.Message);
    }

    [Fact]
    public async Task Encrypt_WithRsaKeyAndSymmetricDefault_ThrowsInvalidKeyUsage()
    {
        var key = await RsaKeyAsync();
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => EncryptAsync(key, [1], "SYMMETRIC_DEFAULT"));
        Assert.Equal("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.", e.Message);
    }

    [Theory]
    [InlineData(Oaep1)]
    [InlineData(Oaep256)]
    [InlineData("SM2PKE")]
    public async Task Encrypt_WithSymmetricKeyAndAsymmetricAlgorithm_ThrowsInvalidKeyUsage(string algorithm)
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => EncryptAsync(key, [1], algorithm));
        Assert.Equal($"Algorithm {algorithm} is incompatible with key spec SYMMETRIC_DEFAULT.", e.Message);
    }

    [Fact]
    public async Task Encrypt_WithRsaKeyAndSm2Pke_ThrowsInvalidKeyUsage()
    {
        var key = await RsaKeyAsync();
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => EncryptAsync(key, [1], "SM2PKE"));
        Assert.Equal("Algorithm SM2PKE is incompatible with key spec RSA_2048.", e.Message);
    }

    [Fact]
    public async Task Encrypt_WithSignVerifyRsaKey_ThrowsInvalidKeyUsage()
    {
        var key = await RsaKeyAsync(usage: "SIGN_VERIFY");
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => EncryptAsync(key, [1]));
        Assert.Equal($"{key.Arn} key usage is SIGN_VERIFY which is not valid for Encrypt.", e.Message);
    }

    [Fact]
    public async Task Encrypt_WithEncryptionContext_ThrowsValidation()
    {
        var key = await RsaKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream([1]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("EncryptionContext is not supported with asymmetric KMS keys.", e.Message);
    }

    [Fact]
    public async Task Decrypt_WithEncryptionContext_ThrowsValidation()
    {
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1]);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId,
            CiphertextBlob = ciphertext,
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            EncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task Decrypt_AsymmetricCiphertextWithoutKeyId_ThrowsInvalidCiphertext()
    {
        // The raw RSA ciphertext names no key, so the service cannot tell which key made it.
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1, 2, 3]);
        var e = await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(new DecryptRequest
        {
            CiphertextBlob = ciphertext,
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct));
        Assert.Equal("InvalidCiphertextException", e.ErrorCode);
    }

    [Fact]
    public async Task Decrypt_AsymmetricCiphertextWithoutAlgorithm_ThrowsInvalidKeyUsage()
    {
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1]);
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => DecryptAsync(key, ciphertext.ToArray(), algorithm: null));
        Assert.Equal("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.", e.Message);
    }

    [Fact]
    public async Task Decrypt_WithTheOtherOaepHash_ThrowsInvalidCiphertext()
    {
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1, 2, 3], Oaep256);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(key, ciphertext.ToArray(), Oaep1));
    }

    [Fact]
    public async Task Decrypt_WithAnotherRsaKey_ThrowsInvalidCiphertext()
    {
        var key = await RsaKeyAsync();
        var other = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1, 2, 3]);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(other, ciphertext.ToArray()));
    }

    [Fact]
    public async Task Decrypt_AsymmetricCiphertextNamingASymmetricKey_ThrowsInvalidCiphertext()
    {
        var key = await RsaKeyAsync();
        var symmetric = await CreateKeyAsync();
        var ciphertext = await EncryptAsync(key, [1, 2, 3]);
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.DecryptAsync(
            new DecryptRequest { KeyId = symmetric.KeyId, CiphertextBlob = ciphertext }, Ct));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(255)]
    public async Task Decrypt_TamperedCiphertext_ThrowsInvalidCiphertext(int index)
    {
        var key = await RsaKeyAsync();
        var ciphertext = (await EncryptAsync(key, [1, 2, 3])).ToArray();
        ciphertext[index] ^= 0x01;
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(key, ciphertext));
    }

    [Fact]
    public async Task Decrypt_TruncatedOrExtendedCiphertext_ThrowsInvalidCiphertext()
    {
        var key = await RsaKeyAsync();
        var ciphertext = (await EncryptAsync(key, [1, 2, 3])).ToArray();
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(key, ciphertext[1..]));
        await Assert.ThrowsAsync<InvalidCiphertextException>(() => DecryptAsync(key, [.. ciphertext, 0]));
    }

    [Theory]
    [InlineData("Disabled", "DisabledException", "is disabled.")]
    [InlineData("PendingDeletion", "KMSInvalidStateException", "is pending deletion.")]
    public async Task EncryptAndDecrypt_WithKeyNotEnabled_ThrowAwsStateError(string state, string error, string words)
    {
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1]);
        if (state == "Disabled")
        {
            await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);
        }
        else
        {
            await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId, PendingWindowInDays = 7 }, Ct);
        }

        foreach (var call in new Func<Task>[] { () => EncryptAsync(key, [1]), () => DecryptAsync(key, ciphertext.ToArray()) })
        {
            var e = await Assert.ThrowsAnyAsync<AmazonKeyManagementServiceException>(call);
            Assert.Equal(error, e.ErrorCode);
            Assert.Equal($"{key.Arn} {words}", e.Message);
        }
    }

    [Fact]
    public async Task EncryptAndDecrypt_DryRun_ThrowDryRunOperation()
    {
        var key = await RsaKeyAsync();
        var ciphertext = await EncryptAsync(key, [1]);

        var e = await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream([1]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DryRun = true,
        }, Ct));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);
        await Assert.ThrowsAsync<DryRunOperationException>(() => Kms.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId,
            CiphertextBlob = ciphertext,
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DryRun = true,
        }, Ct));
    }

    [Fact]
    public async Task Encrypt_DryRunAboveTheLimit_ThrowsValidation()
    {
        // DryRun answers only a request that would have succeeded.
        var key = await RsaKeyAsync();
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream(new byte[191]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DryRun = true,
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
    }

    [Fact]
    public async Task ReEncrypt_FromRsaToSymmetricAndBack_KeepsThePlaintext()
    {
        var rsa = await RsaKeyAsync();
        var symmetric = await CreateKeyAsync();
        var ciphertext = await EncryptAsync(rsa, "round trip"u8.ToArray(), Oaep1);

        var toSymmetric = await Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = ciphertext,
            SourceKeyId = rsa.KeyId,
            SourceEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1,
            DestinationKeyId = symmetric.KeyId,
            DestinationEncryptionContext = new() { ["tenant"] = "acme" },
        }, Ct);
        Assert.Equal(rsa.Arn, toSymmetric.SourceKeyId);
        Assert.Equal(symmetric.Arn, toSymmetric.KeyId);
        Assert.Equal(EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1, toSymmetric.SourceEncryptionAlgorithm);
        Assert.Equal(EncryptionAlgorithmSpec.SYMMETRIC_DEFAULT, toSymmetric.DestinationEncryptionAlgorithm);
        Assert.Null(toSymmetric.SourceKeyMaterialId);
        Assert.Equal(symmetric.CurrentKeyMaterialId, toSymmetric.DestinationKeyMaterialId);

        var back = await Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = toSymmetric.CiphertextBlob,
            SourceEncryptionContext = new() { ["tenant"] = "acme" },
            DestinationKeyId = rsa.KeyId,
            DestinationEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct);
        Assert.Equal(symmetric.Arn, back.SourceKeyId);
        Assert.Equal(symmetric.CurrentKeyMaterialId, back.SourceKeyMaterialId);
        Assert.Null(back.DestinationKeyMaterialId);
        Assert.Equal(256, back.CiphertextBlob.Length);

        var decrypted = await DecryptAsync(rsa, back.CiphertextBlob.ToArray(), Oaep256);
        Assert.Equal("round trip", Encoding.UTF8.GetString(decrypted.Plaintext.ToArray()));
    }

    [Fact]
    public async Task ReEncrypt_FromRsaToAnotherRsaKey_DecryptsWithTheDestination()
    {
        var source = await RsaKeyAsync();
        var destination = await RsaKeyAsync("RSA_3072");
        var ciphertext = await EncryptAsync(source, [7, 8, 9]);

        var result = await Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = ciphertext,
            SourceKeyId = source.Arn,
            SourceEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DestinationKeyId = destination.KeyId,
            DestinationEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1,
        }, Ct);

        Assert.Equal(new byte[] { 7, 8, 9 }, (await DecryptAsync(destination, result.CiphertextBlob.ToArray(), Oaep1)).Plaintext.ToArray());
    }

    [Fact]
    public async Task ReEncrypt_PlaintextAboveTheDestinationLimit_ThrowsValidation()
    {
        var symmetric = await CreateKeyAsync();
        var rsa = await RsaKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, Plaintext = new MemoryStream(new byte[191]) }, Ct)).CiphertextBlob;

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = blob,
            DestinationKeyId = rsa.KeyId,
            DestinationEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal("Algorithm RSAES_OAEP_SHA_256 and key spec RSA_2048 cannot encrypt data larger than 190 bytes.", e.Message);
    }

    [Fact]
    public async Task ReEncrypt_ToRsaKeyWithoutAlgorithm_ThrowsInvalidKeyUsage()
    {
        var symmetric = await CreateKeyAsync();
        var rsa = await RsaKeyAsync();
        var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = symmetric.KeyId, Plaintext = new MemoryStream([1]) }, Ct)).CiphertextBlob;

        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => Kms.ReEncryptAsync(
            new ReEncryptRequest { CiphertextBlob = blob, DestinationKeyId = rsa.KeyId }, Ct));
        Assert.Equal("Algorithm SYMMETRIC_DEFAULT is incompatible with key spec RSA_2048.", e.Message);
    }

    [Fact]
    public async Task ReEncrypt_FromRsaWithoutSourceKeyId_ThrowsInvalidCiphertext()
    {
        var rsa = await RsaKeyAsync();
        var symmetric = await CreateKeyAsync();
        var ciphertext = await EncryptAsync(rsa, [1]);

        await Assert.ThrowsAsync<InvalidCiphertextException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = ciphertext,
            SourceEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DestinationKeyId = symmetric.KeyId,
        }, Ct));
    }

    [Fact]
    public async Task ReEncrypt_WithSourceOrDestinationContextForRsaKey_ThrowsValidation()
    {
        var rsa = await RsaKeyAsync();
        var symmetric = await CreateKeyAsync();
        var ciphertext = await EncryptAsync(rsa, [1]);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = ciphertext,
            SourceKeyId = rsa.KeyId,
            SourceEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            SourceEncryptionContext = new() { ["a"] = "b" },
            DestinationKeyId = symmetric.KeyId,
        }, Ct));
        Assert.Equal("SourceEncryptionContext is not supported with asymmetric KMS keys.", e.Message);

        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Kms.ReEncryptAsync(new ReEncryptRequest
        {
            CiphertextBlob = ciphertext,
            SourceKeyId = rsa.KeyId,
            SourceEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DestinationKeyId = rsa.KeyId,
            DestinationEncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
            DestinationEncryptionContext = new() { ["a"] = "b" },
        }, Ct));
        Assert.Equal("DestinationEncryptionContext is not supported with asymmetric KMS keys.", e.Message);
    }

    [Fact]
    public async Task Encrypt_KeyPolicyDenyingOneAlgorithm_AllowsOnlyTheOther()
    {
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest
        {
            KeySpec = KeySpec.RSA_2048,
            KeyUsage = KeyUsageType.ENCRYPT_DECRYPT,
            Policy = $$"""
                {"Version": "2012-10-17", "Statement": [
                  {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": "kms:*", "Resource": "*"},
                  {"Sid": "NoSha1", "Effect": "Deny", "Principal": {"AWS": "{{TestSeed.AliceArn}}"}, "Action": ["kms:Encrypt", "kms:Decrypt"],
                   "Resource": "*", "Condition": {"StringEquals": {"kms:EncryptionAlgorithm": "RSAES_OAEP_SHA_1"} } }
                ]}
                """,
        }, Ct)).KeyMetadata;

        var ciphertext = (await Alice.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream([1]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct)).CiphertextBlob;
        await Alice.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId,
            CiphertextBlob = ciphertext,
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_256,
        }, Ct);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Alice.EncryptAsync(new EncryptRequest
        {
            KeyId = key.KeyId,
            Plaintext = new MemoryStream([1]),
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1,
        }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Alice.DecryptAsync(new DecryptRequest
        {
            KeyId = key.KeyId,
            CiphertextBlob = ciphertext,
            EncryptionAlgorithm = EncryptionAlgorithmSpec.RSAES_OAEP_SHA_1,
        }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
    }
}

[Collection("sqlite")]
public sealed class AsymmetricEncryptionTests_Sqlite(SqliteFixture f) : AsymmetricEncryptionTests(f);

[Collection("postgres")]
public sealed class AsymmetricEncryptionTests_Postgres(PostgresFixture f) : AsymmetricEncryptionTests(f);
