using System.Diagnostics;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>Key material made and wrapped with the <c>openssl</c> command line exactly as the KMS Developer Guide shows
/// ("Encrypt the key material": <c>openssl pkeyutl -encrypt … rsa_padding_mode:oaep</c> for RSAES_OAEP, and
/// <c>openssl enc -id-aes256-wrap-pad -iv A65959A6</c> then OAEP of the AES key for RSA_AES_KEY_WRAP), imported, used,
/// deleted and imported again.</summary>
public abstract class ImportKeyMaterialOpenSslTests(StoreFixture fixture) : ServiceTests(fixture)
{
    private static void SkipWithoutOpenSsl() =>
        Assert.SkipUnless(File.Exists("/usr/bin/openssl") || File.Exists("/usr/local/bin/openssl"), "openssl is not installed");

    private static async Task OpenSslAsync(DirectoryInfo dir, params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { WorkingDirectory = dir.FullName };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, _, stderr) = await ChildProcess.RunAsync(start, Ct);
        Assert.True(exit == 0, $"openssl {string.Join(' ', args)}: {stderr}");
    }

    /// <summary>A private key in PKCS #8 DER, as the guide makes it: genpkey, then <c>openssl pkcs8 -topk8 -nocrypt</c>
    /// (OpenSSL 3.0's <c>genpkey -outform DER</c> writes the traditional SEC1 / PKCS #1 form, which KMS refuses).</summary>
    private static async Task GenerateKeyPairAsync(DirectoryInfo dir, string algorithmFlag, string family, string option)
    {
        await OpenSslAsync(dir, "genpkey", algorithmFlag, family, "-pkeyopt", option, "-out", "private.pem");
        await OpenSslAsync(dir, "pkcs8", "-topk8", "-inform", "PEM", "-outform", "DER", "-in", "private.pem", "-out", "material", "-nocrypt");
    }

    /// <summary>GetParametersForImport, then wraps the file <c>material</c> with openssl under the wrapping public key.</summary>
    private async Task<ImportKeyMaterialRequest> WrapWithOpenSslAsync(DirectoryInfo dir, string keyId, AlgorithmSpec algorithm, WrappingKeySpec spec)
    {
        var parameters = await Kms.GetParametersForImportAsync(
            new GetParametersForImportRequest { KeyId = keyId, WrappingAlgorithm = algorithm, WrappingKeySpec = spec }, Ct);
        await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "wrapping.der"), parameters.PublicKey.ToArray(), Ct);
        var md = algorithm.Value.EndsWith("SHA_1", StringComparison.Ordinal) ? "sha1" : "sha256";
        string[] oaep = ["pkeyutl", "-encrypt", "-pubin", "-inkey", "wrapping.der", "-keyform", "DER",
            "-pkeyopt", "rsa_padding_mode:oaep", "-pkeyopt", $"rsa_oaep_md:{md}", "-pkeyopt", $"rsa_mgf1_md:{md}"];
        byte[] wrapped;
        if (algorithm.Value.StartsWith("RSA_AES_KEY_WRAP", StringComparison.Ordinal))
        {
            await OpenSslAsync(dir, "rand", "-out", "aes-key.bin", "32");
            var aesKeyHex = Convert.ToHexString(await File.ReadAllBytesAsync(Path.Combine(dir.FullName, "aes-key.bin"), Ct));
            await OpenSslAsync(dir, "enc", "-id-aes256-wrap-pad", "-K", aesKeyHex, "-iv", "A65959A6", "-in", "material", "-out", "material.wrapped");
            await OpenSslAsync(dir, [.. oaep, "-in", "aes-key.bin", "-out", "aes-key.wrapped"]);
            wrapped = [.. await File.ReadAllBytesAsync(Path.Combine(dir.FullName, "aes-key.wrapped"), Ct),
                .. await File.ReadAllBytesAsync(Path.Combine(dir.FullName, "material.wrapped"), Ct)];
        }
        else
        {
            await OpenSslAsync(dir, [.. oaep, "-in", "material", "-out", "material.wrapped"]);
            wrapped = await File.ReadAllBytesAsync(Path.Combine(dir.FullName, "material.wrapped"), Ct);
        }

        return new ImportKeyMaterialRequest
        {
            KeyId = keyId,
            ImportToken = parameters.ImportToken,
            EncryptedKeyMaterial = new MemoryStream(wrapped),
            ExpirationModel = ExpirationModelType.KEY_MATERIAL_DOES_NOT_EXPIRE,
        };
    }

    [Theory]
    [InlineData("RSAES_OAEP_SHA_256", "RSA_2048")]
    [InlineData("RSAES_OAEP_SHA_1", "RSA_3072")]
    [InlineData("RSA_AES_KEY_WRAP_SHA_256", "RSA_4096")]
    [InlineData("RSA_AES_KEY_WRAP_SHA_1", "RSA_2048")]
    public async Task Symmetric_WrappedWithOpenSsl_EncryptsDecryptsAndSurvivesDeleteAndReimport(string algorithm, string spec)
    {
        SkipWithoutOpenSsl();
        var dir = Directory.CreateTempSubdirectory("kms-import-");
        try
        {
            var key = (await Kms.CreateKeyAsync(new CreateKeyRequest { Origin = OriginType.EXTERNAL }, Ct)).KeyMetadata;
            await OpenSslAsync(dir, "rand", "-out", "material", "32");
            await Kms.ImportKeyMaterialAsync(await WrapWithOpenSslAsync(dir, key.KeyId, new AlgorithmSpec(algorithm), new WrappingKeySpec(spec)), Ct);
            var blob = (await Kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([4, 2]) }, Ct)).CiphertextBlob.ToArray();

            await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId }, Ct);
            await Assert.ThrowsAsync<KMSInvalidStateException>(() =>
                Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }, Ct));

            await Kms.ImportKeyMaterialAsync(await WrapWithOpenSslAsync(dir, key.KeyId, new AlgorithmSpec(algorithm), new WrappingKeySpec(spec)), Ct);
            var plaintext = (await Kms.DecryptAsync(new DecryptRequest { CiphertextBlob = new MemoryStream(blob) }, Ct)).Plaintext.ToArray();
            Assert.Equal([4, 2], plaintext);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("RSA_2048", "RSA_AES_KEY_WRAP_SHA_256", "RSA_4096", "RSASSA_PSS_SHA_256", "-algorithm", "RSA", "rsa_keygen_bits:2048")]
    [InlineData("ECC_NIST_P256", "RSAES_OAEP_SHA_256", "RSA_2048", "ECDSA_SHA_256", "-algorithm", "EC", "ec_paramgen_curve:P-256")]
    public async Task KeyPair_GeneratedAndWrappedWithOpenSsl_SignsAndSurvivesDeleteAndReimport(
        string keySpec, string algorithm, string wrappingSpec, string signingAlgorithm, string algorithmFlag, string family, string option)
    {
        SkipWithoutOpenSsl();
        var dir = Directory.CreateTempSubdirectory("kms-import-");
        try
        {
            var key = (await Kms.CreateKeyAsync(new CreateKeyRequest
            {
                Origin = OriginType.EXTERNAL,
                KeySpec = new KeySpec(keySpec),
                KeyUsage = KeyUsageType.SIGN_VERIFY,
            }, Ct)).KeyMetadata;
            await GenerateKeyPairAsync(dir, algorithmFlag, family, option);
            await OpenSslAsync(dir, "pkey", "-inform", "DER", "-in", "material", "-pubout", "-outform", "DER", "-out", "public.der");
            await Kms.ImportKeyMaterialAsync(await WrapWithOpenSslAsync(dir, key.KeyId, new AlgorithmSpec(algorithm), new WrappingKeySpec(wrappingSpec)), Ct);

            var publicKey = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();
            Assert.Equal(await File.ReadAllBytesAsync(Path.Combine(dir.FullName, "public.der"), Ct), publicKey);
            var signature = (await Kms.SignAsync(new SignRequest
            {
                KeyId = key.KeyId,
                Message = new MemoryStream([1, 2, 3]),
                SigningAlgorithm = new SigningAlgorithmSpec(signingAlgorithm),
            }, Ct)).Signature.ToArray();

            await Kms.DeleteImportedKeyMaterialAsync(new DeleteImportedKeyMaterialRequest { KeyId = key.KeyId }, Ct);
            var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => Kms.SignAsync(new SignRequest
            {
                KeyId = key.KeyId,
                Message = new MemoryStream([1, 2, 3]),
                SigningAlgorithm = new SigningAlgorithmSpec(signingAlgorithm),
            }, Ct));
            Assert.Equal($"{key.Arn} is pending import.", e.Message);

            await Kms.ImportKeyMaterialAsync(await WrapWithOpenSslAsync(dir, key.KeyId, new AlgorithmSpec(algorithm), new WrappingKeySpec(wrappingSpec)), Ct);
            var verified = await Kms.VerifyAsync(new VerifyRequest
            {
                KeyId = key.KeyId,
                Message = new MemoryStream([1, 2, 3]),
                Signature = new MemoryStream(signature),
                SigningAlgorithm = new SigningAlgorithmSpec(signingAlgorithm),
            }, Ct);
            Assert.True(verified.SignatureValid);

            // Another key pair is other material: an asymmetric key keeps its first material for good.
            await GenerateKeyPairAsync(dir, algorithmFlag, family, option);
            var other = await WrapWithOpenSslAsync(dir, key.KeyId, new AlgorithmSpec(algorithm), new WrappingKeySpec(wrappingSpec));
            await Assert.ThrowsAsync<IncorrectKeyMaterialException>(() => Kms.ImportKeyMaterialAsync(other, Ct));
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}

[Collection("sqlite")]
public sealed class ImportKeyMaterialOpenSslTests_Sqlite(SqliteFixture f) : ImportKeyMaterialOpenSslTests(f);

[Collection("postgres")]
public sealed class ImportKeyMaterialOpenSslTests_Postgres(PostgresFixture f) : ImportKeyMaterialOpenSslTests(f);
