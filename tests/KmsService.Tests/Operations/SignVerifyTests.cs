using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Operations;

/// <summary>Sign and Verify through the SDK, signatures checked offline against GetPublicKey's key (.NET, OpenSSL,
/// Python's cryptography), and every error the model lists for them, with AWS's wording.</summary>
public abstract class SignVerifyTests(StoreFixture fixture) : ServiceTests(fixture)
{
    // One key per spec and usage and store: RSA_4096 takes a while to generate, and the theories sign with it 12 times.
    private static readonly ConcurrentDictionary<(StoreFixture, string, string), Lazy<Task<KeyMetadata>>> Keys = new();

    private static readonly byte[] Message = Encoding.UTF8.GetBytes("the message AWS KMS signs, 2026");

    private Task<KeyMetadata> KeyAsync(string spec, string usage = "SIGN_VERIFY") =>
        Keys.GetOrAdd((Fixture, spec, usage), _ => new Lazy<Task<KeyMetadata>>(() => NewKeyAsync(spec, usage))).Value;

    private async Task<KeyMetadata> NewKeyAsync(string spec, string usage = "SIGN_VERIFY") =>
        (await Kms.CreateKeyAsync(new CreateKeyRequest { KeySpec = new KeySpec(spec), KeyUsage = new KeyUsageType(usage) }, Ct)).KeyMetadata;

    private Task<SignResponse> SignAsync(string keyId, byte[] message, string algorithm, string? messageType = null, bool? dryRun = null) =>
        Kms.SignAsync(new SignRequest
        {
            KeyId = keyId,
            Message = new MemoryStream(message),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
            MessageType = messageType is null ? null : new MessageType(messageType),
            DryRun = dryRun,
        }, Ct);

    private Task<VerifyResponse> VerifyAsync(string keyId, byte[] message, byte[] signature, string algorithm, string? messageType = null, bool? dryRun = null) =>
        Kms.VerifyAsync(new VerifyRequest
        {
            KeyId = keyId,
            Message = new MemoryStream(message),
            Signature = new MemoryStream(signature),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
            MessageType = messageType is null ? null : new MessageType(messageType),
            DryRun = dryRun,
        }, Ct);

    private static HashAlgorithmName HashOf(string algorithm) =>
        algorithm.EndsWith("256", StringComparison.Ordinal) ? HashAlgorithmName.SHA256
        : algorithm.EndsWith("384", StringComparison.Ordinal) ? HashAlgorithmName.SHA384
        : HashAlgorithmName.SHA512;

    private static byte[] Digest(string algorithm, byte[] message) => CryptographicOperations.HashData(HashOf(algorithm), message);

    public static TheoryData<string, string, string> SpecsAndAlgorithms()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var messageType in new[] { "RAW", "DIGEST" })
        {
            foreach (var spec in new[] { "RSA_2048", "RSA_3072", "RSA_4096" })
            {
                foreach (var algorithm in new[]
                {
                    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
                    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
                })
                {
                    data.Add(spec, algorithm, messageType);
                }
            }

            data.Add("ECC_NIST_P256", "ECDSA_SHA_256", messageType);
            data.Add("ECC_NIST_P384", "ECDSA_SHA_384", messageType);
            data.Add("ECC_NIST_P521", "ECDSA_SHA_512", messageType);
            data.Add("ECC_SECG_P256K1", "ECDSA_SHA_256", messageType);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SpecsAndAlgorithms))]
    public async Task Sign_EachSpecAlgorithmAndMessageType_VerifiesInKmsAndOffline(string spec, string algorithm, string messageType)
    {
        var key = await KeyAsync(spec);
        var input = messageType == "DIGEST" ? Digest(algorithm, Message) : Message;

        var signed = await SignAsync(key.KeyId, input, algorithm, messageType);
        Assert.Equal(key.Arn, signed.KeyId);
        Assert.Equal(algorithm, signed.SigningAlgorithm.Value);
        var signature = signed.Signature.ToArray();

        // The same message verifies as RAW and as its digest: "a message and its hash digest are considered to be the same message".
        var verified = await VerifyAsync(key.KeyId, Message, signature, algorithm, "RAW");
        Assert.True(verified.SignatureValid);
        Assert.Equal(key.Arn, verified.KeyId);
        Assert.Equal(algorithm, verified.SigningAlgorithm.Value);
        Assert.True((await VerifyAsync(key.Arn, Digest(algorithm, Message), signature, algorithm, "DIGEST")).SignatureValid);

        var publicKey = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();
        Assert.True(VerifiesOffline(spec, algorithm, publicKey, Message, signature));
        Assert.False(VerifiesOffline(spec, algorithm, publicKey, [.. Message, 0], signature));
    }

    private static bool VerifiesOffline(string spec, string algorithm, byte[] spki, byte[] message, byte[] signature)
    {
        if (spec.StartsWith("RSA_", StringComparison.Ordinal))
        {
            using var rsa = RSA.Create();
            rsa.ImportSubjectPublicKeyInfo(spki, out _);
            var padding = algorithm.StartsWith("RSASSA_PSS", StringComparison.Ordinal) ? RSASignaturePadding.Pss : RSASignaturePadding.Pkcs1;
            return rsa.VerifyData(message, signature, HashOf(algorithm), padding);
        }

        using var ec = ECDsa.Create();
        ec.ImportSubjectPublicKeyInfo(spki, out _);
        return ec.VerifyData(message, signature, HashOf(algorithm), DSASignatureFormat.Rfc3279DerSequence);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", "-sha256")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256", "-sha256")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256", "-sha256")]
    [InlineData("RSA_3072", "RSASSA_PKCS1_V1_5_SHA_384", "-sha384")]
    public async Task Sign_Signature_VerifiesWithOpenSsl(string spec, string algorithm, string digest)
    {
        Assert.SkipUnless(File.Exists("/usr/bin/openssl") || File.Exists("/usr/local/bin/openssl"), "openssl is not installed");
        var key = await KeyAsync(spec);
        var signature = (await SignAsync(key.KeyId, Message, algorithm)).Signature.ToArray();
        var spki = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = key.KeyId }, Ct)).PublicKey.ToArray();

        var dir = Directory.CreateTempSubdirectory("kms-sign-");
        try
        {
            var pem = Path.Combine(dir.FullName, "public.pem");
            await File.WriteAllTextAsync(pem, PemEncoding.WriteString("PUBLIC KEY", spki), Ct);
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "message"), Message, Ct);
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "signature"), signature, Ct);

            // RSASSA-PSS as AWS: MGF1 with the same hash, salt as long as the hash ("-1" in OpenSSL).
            string[] pss = algorithm.StartsWith("RSASSA_PSS", StringComparison.Ordinal)
                ? ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]
                : [];
            var start = new ProcessStartInfo("openssl") { WorkingDirectory = dir.FullName };
            foreach (var arg in new[] { "dgst", digest, "-verify", "public.pem", "-signature", "signature" }.Concat(pss).Append("message"))
            {
                start.ArgumentList.Add(arg);
            }

            var (exit, stdout, stderr) = await ChildProcess.RunAsync(start, Ct);
            Assert.True(exit == 0, stderr);
            Assert.Contains("Verified OK", stdout, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Sign_Signature_VerifiesWithPythonCryptography()
    {
        var check = await ChildProcess.RunAsync(new ProcessStartInfo("python3", ["-c", "import cryptography"]), Ct);
        Assert.SkipUnless(check.ExitCode == 0, "python3 with the cryptography package is not installed");

        var ec = await KeyAsync("ECC_NIST_P384");
        var rsa = await KeyAsync("RSA_2048");
        var ecSignature = (await SignAsync(ec.KeyId, Message, "ECDSA_SHA_384")).Signature.ToArray();
        var rsaSignature = (await SignAsync(rsa.KeyId, Message, "RSASSA_PSS_SHA_512")).Signature.ToArray();
        var ecKey = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = ec.KeyId }, Ct)).PublicKey.ToArray();
        var rsaKey = (await Kms.GetPublicKeyAsync(new GetPublicKeyRequest { KeyId = rsa.KeyId }, Ct)).PublicKey.ToArray();

        const string Script = """
            import base64, sys
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec, padding
            msg, eck, ecs, rk, rs = (base64.b64decode(a) for a in sys.argv[1:])
            serialization.load_der_public_key(eck).verify(ecs, msg, ec.ECDSA(hashes.SHA384()))
            serialization.load_der_public_key(rk).verify(
                rs, msg, padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64), hashes.SHA512())
            print("ok")
            """;
        var start = new ProcessStartInfo("python3");
        foreach (var arg in new[] { "-c", Script }.Concat(new[] { Message, ecKey, ecSignature, rsaKey, rsaSignature }.Select(Convert.ToBase64String)))
        {
            start.ArgumentList.Add(arg);
        }

        var (exit, stdout, stderr) = await ChildProcess.RunAsync(start, Ct);
        Assert.True(exit == 0, stderr);
        Assert.Equal("ok", stdout.Trim());
    }

    [Fact]
    public async Task Sign_WithoutMessageType_SignsTheRawMessage()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var signature = (await SignAsync(key.KeyId, Message, "ECDSA_SHA_256")).Signature.ToArray();
        Assert.True((await VerifyAsync(key.KeyId, Message, signature, "ECDSA_SHA_256")).SignatureValid);
        Assert.True((await VerifyAsync(key.KeyId, Digest("ECDSA_SHA_256", Message), signature, "ECDSA_SHA_256", "DIGEST")).SignatureValid);
    }

    [Fact]
    public async Task Sign_ByAliasAndArn_ReturnsTheKeyArn()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var alias = $"alias/signer-{Guid.NewGuid():N}";
        await Kms.CreateAliasAsync(new CreateAliasRequest { AliasName = alias, TargetKeyId = key.KeyId }, Ct);

        var signed = await SignAsync(alias, Message, "ECDSA_SHA_256");
        Assert.Equal(key.Arn, signed.KeyId);
        Assert.Equal(key.Arn, (await VerifyAsync(key.Arn, Message, signed.Signature.ToArray(), "ECDSA_SHA_256")).KeyId);
    }

    // ---- Verify: a signature that does not check out is KMSInvalidSignatureException without a message, never false.

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_256")]
    public async Task Verify_TamperedSignatureOrMessage_ThrowsInvalidSignature(string spec, string algorithm)
    {
        var key = await KeyAsync(spec);
        var signature = (await SignAsync(key.KeyId, Message, algorithm)).Signature.ToArray();

        for (var i = 0; i < signature.Length; i += Math.Max(1, signature.Length / 8))
        {
            var tampered = signature.ToArray();
            tampered[i] ^= 0x01;
            await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, tampered, algorithm));
        }

        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, [.. Message, 0x21], signature, algorithm));
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message[..^1], signature, algorithm));

        // Signed as RAW, verified as if the message were a digest: hashed once on one side, twice on the other.
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Digest(algorithm, Digest(algorithm, Message)), signature, algorithm, "DIGEST"));
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_256")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256")]
    [InlineData("RSA_4096", "RSASSA_PKCS1_V1_5_SHA_512")]
    public async Task Verify_SignatureThatDoesNotParse_ThrowsInvalidSignature(string spec, string algorithm)
    {
        var key = await KeyAsync(spec);
        foreach (var length in new[] { 1, 7, 64, 71, 256, 513, 6144 })
        {
            var garbage = RandomNumberGenerator.GetBytes(length);
            await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, garbage, algorithm));
        }

        // A DER sequence of two zero integers, and one with trailing bytes.
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, [0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00], algorithm));
        var good = (await SignAsync(key.KeyId, Message, algorithm)).Signature.ToArray();
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, [.. good, 0x00], algorithm));
    }

    [Fact]
    public async Task Verify_SignatureOfAnotherKey_ThrowsInvalidSignature()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var other = await NewKeyAsync("ECC_NIST_P256");
        var signature = (await SignAsync(other.KeyId, Message, "ECDSA_SHA_256")).Signature.ToArray();
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, signature, "ECDSA_SHA_256"));
    }

    [Fact]
    public async Task Verify_WithOtherAlgorithmOfTheSameKey_ThrowsInvalidSignature()
    {
        var key = await KeyAsync("RSA_2048");
        var signature = (await SignAsync(key.KeyId, Message, "RSASSA_PSS_SHA_256")).Signature.ToArray();
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, signature, "RSASSA_PKCS1_V1_5_SHA_256"));
        await AssertInvalidSignatureAsync(VerifyAsync(key.KeyId, Message, signature, "RSASSA_PSS_SHA_384"));
    }

    private static async Task AssertInvalidSignatureAsync(Task<VerifyResponse> call)
    {
        var e = await Assert.ThrowsAsync<KMSInvalidSignatureException>(() => call);
        Assert.Equal("KMSInvalidSignatureException", e.ErrorCode);

        // AWS sends no message member; the SDK then words one itself, quoting the body.
        Assert.EndsWith("""HTTP Body: {"__type":"KMSInvalidSignatureException"}""", e.Message, StringComparison.Ordinal);
    }

    // ---- Errors, in AWS's order: validation, grant tokens, key lookup, authorization, key state, usage, algorithm, message.

    [Fact]
    public async Task Sign_UnknownKey_ThrowsNotFound()
    {
        var id = Guid.NewGuid().ToString();
        var e = await Assert.ThrowsAsync<NotFoundException>(() => SignAsync(id, Message, "ECDSA_SHA_256"));
        Assert.Equal($"Key 'arn:aws:kms:us-east-1:000000000000:key/{id}' does not exist", e.Message);
        e = await Assert.ThrowsAsync<NotFoundException>(() => VerifyAsync("fake-key-id", Message, [1], "ECDSA_SHA_256"));
        Assert.Equal("Invalid keyId 'fake-key-id'", e.Message);
    }

    [Fact]
    public async Task SignAndVerify_DisabledKey_ThrowDisabled()
    {
        var key = await NewKeyAsync("ECC_NIST_P256");
        var signature = (await SignAsync(key.KeyId, Message, "ECDSA_SHA_256")).Signature.ToArray();
        await Kms.DisableKeyAsync(new DisableKeyRequest { KeyId = key.KeyId }, Ct);

        var e = await Assert.ThrowsAsync<DisabledException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_256"));
        Assert.Equal($"{key.Arn} is disabled.", e.Message);
        e = await Assert.ThrowsAsync<DisabledException>(() => VerifyAsync(key.KeyId, Message, signature, "ECDSA_SHA_256"));
        Assert.Equal($"{key.Arn} is disabled.", e.Message);
    }

    [Fact]
    public async Task SignAndVerify_KeyPendingDeletion_ThrowInvalidState()
    {
        var key = await NewKeyAsync("RSA_2048");
        var signature = (await SignAsync(key.KeyId, Message, "RSASSA_PSS_SHA_256")).Signature.ToArray();
        await Kms.ScheduleKeyDeletionAsync(new ScheduleKeyDeletionRequest { KeyId = key.KeyId }, Ct);

        var e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => SignAsync(key.KeyId, Message, "RSASSA_PSS_SHA_256"));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
        e = await Assert.ThrowsAsync<KMSInvalidStateException>(() => VerifyAsync(key.KeyId, Message, signature, "RSASSA_PSS_SHA_256"));
        Assert.Equal($"{key.Arn} is pending deletion.", e.Message);
    }

    [Fact]
    public async Task Sign_WithHmacKey_ThrowsInvalidKeyUsage()
    {
        var key = await KeyAsync("HMAC_256", "GENERATE_VERIFY_MAC");
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_256"));
        Assert.Equal($"{key.Arn} key usage is GENERATE_VERIFY_MAC which is not valid for Sign.", e.Message);
    }

    [Fact]
    public async Task Verify_WithSymmetricKey_ThrowsInvalidKeyUsage()
    {
        var key = await CreateKeyAsync();
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => VerifyAsync(key.KeyId, Message, [1, 2, 3], "RSASSA_PSS_SHA_256"));
        Assert.Equal($"{key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Verify.", e.Message);
    }

    [Fact]
    public async Task Sign_WithRsaEncryptionKey_ThrowsInvalidKeyUsageBeforeAlgorithmFit()
    {
        var key = await KeyAsync("RSA_2048", "ENCRYPT_DECRYPT");
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, "RSASSA_PSS_SHA_256"));
        Assert.Equal($"{key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.", e.Message);

        // Usage comes first: an algorithm no RSA key has does not change the answer.
        e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_256"));
        Assert.Equal($"{key.Arn} key usage is ENCRYPT_DECRYPT which is not valid for Sign.", e.Message);
    }

    [Fact]
    public async Task Sign_WithEccKeyAgreementKey_ThrowsInvalidKeyUsage()
    {
        var key = await KeyAsync("ECC_NIST_P256", "KEY_AGREEMENT");
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_256"));
        Assert.Equal($"{key.Arn} key usage is KEY_AGREEMENT which is not valid for Sign.", e.Message);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_384")]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_256")]
    [InlineData("ECC_SECG_P256K1", "ECDSA_SHA_512")]
    [InlineData("ECC_NIST_P384", "RSASSA_PSS_SHA_384")]
    [InlineData("RSA_2048", "ECDSA_SHA_256")]
    [InlineData("RSA_3072", "SM2DSA")]
    [InlineData("RSA_4096", "ED25519_SHA_512")]
    [InlineData("ECC_NIST_P256", "ML_DSA_SHAKE_256")]
    public async Task SignAndVerify_AlgorithmNotOfTheKeySpec_ThrowInvalidKeyUsage(string spec, string algorithm)
    {
        var key = await KeyAsync(spec);
        var e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, algorithm));
        Assert.Equal($"Algorithm {algorithm} is incompatible with key spec {spec}.", e.Message);
        e = await Assert.ThrowsAsync<InvalidKeyUsageException>(() => VerifyAsync(key.KeyId, Message, [1, 2, 3], algorithm));
        Assert.Equal($"Algorithm {algorithm} is incompatible with key spec {spec}.", e.Message);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 31)]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256", 48)]
    [InlineData("ECC_NIST_P384", "ECDSA_SHA_384", 32)]
    [InlineData("ECC_NIST_P521", "ECDSA_SHA_512", 66)]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_512", 32)]
    [InlineData("RSA_2048", "RSASSA_PKCS1_V1_5_SHA_384", 64)]
    public async Task SignAndVerify_DigestOfWrongLength_ThrowValidation(string spec, string algorithm, int length)
    {
        var key = await KeyAsync(spec);
        var digest = new byte[length];
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => SignAsync(key.KeyId, digest, algorithm, "DIGEST"));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"Digest is invalid length for algorithm {algorithm}.", e.Message);

        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => VerifyAsync(key.KeyId, digest, [1], algorithm, "DIGEST"));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"Digest is invalid length for algorithm {algorithm}.", e.Message);
    }

    [Theory]
    [InlineData("ECC_NIST_P256", "ECDSA_SHA_256")]
    [InlineData("RSA_2048", "RSASSA_PSS_SHA_256")]
    public async Task SignAndVerify_ExternalMuWithoutMlDsa_ThrowValidation(string spec, string algorithm)
    {
        var key = await KeyAsync(spec);
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => SignAsync(key.KeyId, new byte[64], algorithm, "EXTERNAL_MU"));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal($"Message type EXTERNAL_MU is incompatible with algorithm {algorithm}.", e.Message);
        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => VerifyAsync(key.KeyId, new byte[64], [1], algorithm, "EXTERNAL_MU"));
        Assert.Equal($"Message type EXTERNAL_MU is incompatible with algorithm {algorithm}.", e.Message);
    }

    [Fact]
    public async Task SignAndVerify_DryRun_ThrowDryRunAfterEveryCheck()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var e = await Assert.ThrowsAsync<DryRunOperationException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_256", dryRun: true));
        Assert.Equal("The request would have succeeded, but the DryRun option is set.", e.Message);

        // The signature is not checked on a dry run; the request's other checks are.
        await Assert.ThrowsAsync<DryRunOperationException>(() => VerifyAsync(key.KeyId, Message, [1], "ECDSA_SHA_256", dryRun: true));
        await Assert.ThrowsAsync<InvalidKeyUsageException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_384", dryRun: true));
        await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => SignAsync(key.KeyId, new byte[31], "ECDSA_SHA_256", "DIGEST", dryRun: true));
    }

    [Fact]
    public async Task SignAndVerify_MalformedGrantToken_ThrowInvalidGrantToken()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var e = await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Kms.SignAsync(new SignRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(Message),
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
            GrantTokens = ["not-a-grant-token"],
        }, Ct));
        Assert.Equal("The grant token is not valid.", e.Message);
        await Assert.ThrowsAsync<InvalidGrantTokenException>(() => Kms.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(Message),
            Signature = new MemoryStream([1]),
            SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256,
            GrantTokens = ["not-a-grant-token"],
        }, Ct));
    }

    [Fact]
    public async Task Sign_UnknownEnumValues_ThrowValidationListingTheValues()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => SignAsync(key.KeyId, Message, "ECDSA_SHA_1"));
        Assert.Equal("ValidationException", e.ErrorCode);
        Assert.Equal(
            "1 validation error detected: Value 'ECDSA_SHA_1' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: "
            + "[RSASSA_PSS_SHA_256, RSASSA_PSS_SHA_384, RSASSA_PSS_SHA_512, RSASSA_PKCS1_V1_5_SHA_256, RSASSA_PKCS1_V1_5_SHA_384, RSASSA_PKCS1_V1_5_SHA_512, "
            + "ECDSA_SHA_256, ECDSA_SHA_384, ECDSA_SHA_512, SM2DSA, ML_DSA_SHAKE_256, ED25519_SHA_512, ED25519_PH_SHA_512]",
            e.Message);

        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => VerifyAsync(key.KeyId, Message, [1], "ECDSA_SHA_256", "HASHED"));
        Assert.Equal(
            "1 validation error detected: Value 'HASHED' at 'messageType' failed to satisfy constraint: Member must satisfy enum value set: [RAW, DIGEST, EXTERNAL_MU]",
            e.Message);
    }

    [Fact]
    public async Task SignAndVerify_MessageOutsideTheModelLimits_ThrowValidation()
    {
        var key = await KeyAsync("ECC_NIST_P256");
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => SignAsync(key.KeyId, new byte[4097], "ECDSA_SHA_256"));
        Assert.Equal("1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to 4096", e.Message);
        await SignAsync(key.KeyId, new byte[4096], "ECDSA_SHA_256");

        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => VerifyAsync(key.KeyId, Message, new byte[6145], "ECDSA_SHA_256"));
        Assert.Equal("1 validation error detected: Value at 'signature' failed to satisfy constraint: Member must have length less than or equal to 6144", e.Message);
    }

    // ---- Key policy condition keys kms:SigningAlgorithm and kms:MessageType (KMS Developer Guide, "AWS KMS condition keys").

    [Fact]
    public async Task KeyPolicy_DenyOnSigningAlgorithmAndMessageType_IsEnforced()
    {
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.RSA_2048, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        const string Policy = """
            {"Version": "2012-10-17", "Statement": [
              {"Sid": "Admin", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
              {"Sid": "PssOnly", "Effect": "Deny", "Principal": "*", "Action": "kms:Sign", "Resource": "*",
               "Condition": {"StringLike": {"kms:SigningAlgorithm": "RSASSA_PKCS1_V1_5_*"}}},
              {"Sid": "NoDigests", "Effect": "Deny", "Principal": "*", "Action": ["kms:Sign", "kms:Verify"], "Resource": "*",
               "Condition": {"StringEquals": {"kms:MessageType": "DIGEST"}}}
            ]}
            """;
        await Alice.PutKeyPolicyAsync(new PutKeyPolicyRequest { KeyId = key.KeyId, Policy = Policy }, Ct);

        Task<SignResponse> Sign(string algorithm, string? messageType, byte[] message) => Alice.SignAsync(new SignRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(message),
            SigningAlgorithm = new SigningAlgorithmSpec(algorithm),
            MessageType = messageType is null ? null : new MessageType(messageType),
        }, Ct);

        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Sign("RSASSA_PKCS1_V1_5_SHA_256", null, Message));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Sign("RSASSA_PSS_SHA_256", "DIGEST", Digest("RSASSA_PSS_SHA_256", Message)));
        Assert.Equal("AccessDeniedException", e.ErrorCode);

        // No MessageType is RAW for the condition too.
        var signature = (await Sign("RSASSA_PSS_SHA_256", null, Message)).Signature.ToArray();
        await Sign("RSASSA_PSS_SHA_256", "RAW", Message);

        e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => Alice.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(Digest("RSASSA_PSS_SHA_256", Message)),
            MessageType = MessageType.DIGEST,
            Signature = new MemoryStream(signature),
            SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256,
        }, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);
        Assert.True((await Alice.VerifyAsync(new VerifyRequest
        {
            KeyId = key.KeyId,
            Message = new MemoryStream(Message),
            Signature = new MemoryStream(signature),
            SigningAlgorithm = SigningAlgorithmSpec.RSASSA_PSS_SHA_256,
        }, Ct)).SignatureValid);
    }

    [Fact]
    public async Task Sign_WithGrantForSign_IsAllowedForTheGrantee()
    {
        var key = (await Alice.CreateKeyAsync(new CreateKeyRequest { KeySpec = KeySpec.ECC_NIST_P256, KeyUsage = KeyUsageType.SIGN_VERIFY }, Ct)).KeyMetadata;
        var bob = Server.Client(TestSeed.BobAccessKey, TestSeed.BobSecret);
        var request = new SignRequest { KeyId = key.Arn, Message = new MemoryStream(Message), SigningAlgorithm = SigningAlgorithmSpec.ECDSA_SHA_256 };
        var e = await Assert.ThrowsAsync<AmazonKeyManagementServiceException>(() => bob.SignAsync(request, Ct));
        Assert.Equal("AccessDeniedException", e.ErrorCode);

        await Alice.CreateGrantAsync(new CreateGrantRequest
        {
            KeyId = key.KeyId,
            GranteePrincipal = TestSeed.BobArn,
            Operations = [GrantOperation.Sign, GrantOperation.Verify, GrantOperation.GetPublicKey],
        }, Ct);
        request.Message = new MemoryStream(Message);
        Assert.Equal(key.Arn, (await bob.SignAsync(request, Ct)).KeyId);
    }
}

[Collection("sqlite")]
public sealed class SignVerifyTests_Sqlite(SqliteFixture f) : SignVerifyTests(f);

[Collection("postgres")]
public sealed class SignVerifyTests_Postgres(PostgresFixture f) : SignVerifyTests(f);
