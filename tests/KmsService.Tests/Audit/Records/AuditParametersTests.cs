using System.Reflection;
using System.Text.Json;
using KmsService.Audit.Records;
using KmsService.Identity;
using KmsService.Operations;
using KmsService.Protocol;

namespace KmsService.Tests.Audit.Records;

public sealed class AuditParametersTests
{
    private static readonly string[] SecretWords =
        ["Plaintext", "Ciphertext", "Blob", "GrantToken", "Secret", "Password", "Private", "DataKey", "Attestation"];

    private static readonly Type[] AllowedLeaves =
        [typeof(string), typeof(int?), typeof(bool?), typeof(IReadOnlyDictionary<string, string>), typeof(IReadOnlyList<string>)];

    private static readonly Type[] AuditShapes =
        [typeof(AuditParameters), typeof(AuditGrantConstraints), typeof(AuditTag), typeof(AuditKeyMetadata), typeof(AuditAdditionalEventData)];

    [Fact]
    public void ProjectionTypes_EveryMember_IsANamedStringNumberBooleanListOrMap()
    {
        foreach (var type in AuditShapes)
        {
            // Only auto-properties: no hand-written field could hold something else.
            Assert.All(
                type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic),
                f => Assert.Contains("k__BackingField", f.Name, StringComparison.Ordinal));
            foreach (var property in type.GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            {
                var allowed = AllowedLeaves.Contains(property.PropertyType)
                    || property.PropertyType == typeof(IReadOnlyList<AuditTag>)
                    || property.PropertyType == typeof(AuditGrantConstraints)
                    || property.PropertyType == typeof(AuditKeyMetadata);
                Assert.True(allowed, $"{type.Name}.{property.Name} is a {property.PropertyType.Name}, which could hold a blob.");
                Assert.False(
                    SecretWords.Any(word => property.Name.Contains(word, StringComparison.OrdinalIgnoreCase)),
                    $"{type.Name}.{property.Name} is named like a secret.");
            }
        }
    }

    [Fact]
    public void EveryOperation_DeclaresAProjectionToAuditParameters()
    {
        foreach (var op in OperationTable.ImplementedTypes)
        {
            var project = op.GetMethod("Project", BindingFlags.Public | BindingFlags.Static);
            Assert.NotNull(project);
            Assert.Equal(typeof(AuditProjection), project.ReturnType);
            Assert.Equal(typeof(CallContext), project.GetParameters()[^1].ParameterType);
        }
    }

    private static readonly byte[] Secret = "top-secret-plaintext-0123456789"u8.ToArray();

    // A resolved call as the operation table hands it to Project.
    private static readonly CallContext Call = NewCall("arn:aws:iam::111122223333:user/alice");
    private const string Token = "GRANT-TOKEN-SECRET-abcdefghijklmnop";

    public static TheoryData<string, string> ProjectionsOfSecretRequests()
    {
        var context = new Dictionary<string, string> { ["tenant"] = "acme" };
        string[] tokens = [Token];
        return new()
        {
            { "Encrypt", Json(EncryptOperation.Project(new EncryptRequest("k", Secret, context, tokens, "SYMMETRIC_DEFAULT", null), new EncryptResponse(Secret, "arn", default), Call)) },
            { "Decrypt", Json(DecryptOperation.Project(new DecryptRequest(Secret, context, tokens, "k", null, new RecipientInfo("RSAES_OAEP_SHA_256", Secret), null, null), null, Call)) },
            { "ReEncrypt", Json(ReEncryptOperation.Project(new ReEncryptRequest(Secret, context, "s", "d", context, null, null, tokens, null, null), null, Call)) },
            { "GenerateDataKey", Json(GenerateDataKeyOperation.Project(new GenerateDataKeyRequest("k", context, 32, null, tokens, null, null), new GenerateDataKeyResponse(Secret, Secret, "arn", "m"), Call)) },
            { "GenerateDataKeyWithoutPlaintext", Json(GenerateDataKeyWithoutPlaintextOperation.Project(new GenerateDataKeyRequest("k", context, 32, null, tokens, null, null), new GenerateDataKeyWithoutPlaintextResponse(Secret, "arn", "m"), Call)) },
            { "GenerateDataKeyPair", Json(GenerateDataKeyPairOperation.Project(new GenerateDataKeyPairRequest(context, "k", "RSA_2048", tokens, null, null), new GenerateDataKeyPairResponse(Secret, Secret, Secret, "arn", default, "m"), Call)) },
            { "GenerateDataKeyPairWithoutPlaintext", Json(GenerateDataKeyPairWithoutPlaintextOperation.Project(new GenerateDataKeyPairRequest(context, "k", "RSA_2048", tokens, null, null), new GenerateDataKeyPairWithoutPlaintextResponse(Secret, Secret, "arn", default, "m"), Call)) },
            { "GenerateRandom", Json(GenerateRandomOperation.Project(new GenerateRandomRequest(32, null, null), new GenerateRandomResponse(Secret), Call)) },
            { "DescribeKey", Json(DescribeKeyOperation.Project(new DescribeKeyRequest("k", tokens), null, Call)) },
            { "CreateGrant", Json(CreateGrantOperation.Project(new CreateGrantRequest("k", "arn:aws:iam::1:user/a", null, ["Decrypt"], null, tokens, "n", null), new CreateGrantResponse(Token, "grant-id"), Call)) },
            { "RetireGrant", Json(RetireGrantOperation.Project(new RetireGrantRequest(Token, null, null, null), null, Call)) },
            { "Sign", Json(SignOperation.Project(new SignRequest("k", Secret, null, tokens, "ECDSA_SHA_256", null), new SignResponse("arn", Secret, default), Call)) },
            { "Verify", Json(VerifyOperation.Project(new VerifyRequest("k", Secret, "RAW", Secret, "ECDSA_SHA_256", tokens, null), null, Call)) },
            { "GetPublicKey", Json(GetPublicKeyOperation.Project(new GetPublicKeyRequest("k", tokens), null, Call)) },
            { "GenerateMac", Json(GenerateMacOperation.Project(new GenerateMacRequest(Secret, "k", "HMAC_SHA_256", tokens, null), new GenerateMacResponse(Secret, default, "arn"), Call)) },
            { "VerifyMac", Json(VerifyMacOperation.Project(new VerifyMacRequest(Secret, "k", "HMAC_SHA_256", Secret, tokens, null), new VerifyMacResponse("arn", true, default), Call)) },
            { "DeriveSharedSecret", Json(DeriveSharedSecretOperation.Project(new DeriveSharedSecretRequest("k", "ECDH", Secret, tokens, null, new RecipientInfo("RSAES_OAEP_SHA_256", Secret)), new DeriveSharedSecretResponse("arn", Secret, default, default), Call)) },
            { "CreateCustomKeyStore", Json(CreateCustomKeyStoreOperation.Project(new CreateCustomKeyStoreRequest("n", "cluster-abcdefghijk", "cert", "top-secret-pw", "EXTERNAL_KEY_STORE", "https://p", "/kms/xks/v1", null, null, new("top-secret-id", "top-secret-key"), "PUBLIC_ENDPOINT"), new CreateCustomKeyStoreResponse("cks-1"), Call)) },
            { "UpdateCustomKeyStore", Json(UpdateCustomKeyStoreOperation.Project(new UpdateCustomKeyStoreRequest("cks-1", "n", "top-secret-pw", null, "https://p", "/kms/xks/v1", null, null, new("top-secret-id", "top-secret-key"), null), null, Call)) },
        };
    }

    [Theory]
    [MemberData(nameof(ProjectionsOfSecretRequests))]
    public void Project_RequestCarryingSecrets_RecordsNone(string operation, string json)
    {
        Assert.DoesNotContain(Convert.ToBase64String(Secret), json, StringComparison.Ordinal);
        Assert.DoesNotContain("top-secret", json, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, json, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(operation));
    }

    // ct-sign, ct-verify: keyId, messageType (RAW also when the request names none), signingAlgorithm; no responseElements.
    [Fact]
    public void Project_SignAndVerify_RecordKeyIdMessageTypeAndAlgorithm()
    {
        var sign = SignOperation.Project(new SignRequest("alias/signer", Secret, null, null, "RSASSA_PSS_SHA_256", null), null, Call);
        Assert.Equal("""{"keyId":"alias/signer","signingAlgorithm":"RSASSA_PSS_SHA_256","messageType":"RAW"}""", Json(sign.RequestParameters));
        Assert.Null(sign.ResponseElements);

        var verify = VerifyOperation.Project(new VerifyRequest("k", Secret, "DIGEST", Secret, "ECDSA_SHA_256", null, true), null, Call);
        Assert.Equal("""{"keyId":"k","signingAlgorithm":"ECDSA_SHA_256","messageType":"DIGEST","dryRun":true}""", Json(verify.RequestParameters));
        Assert.Null(verify.ResponseElements);
    }

    [Fact]
    public void Project_Encrypt_RecordsKeyIdContextAndAlgorithm()
    {
        var projection = EncryptOperation.Project(
            new EncryptRequest("alias/app", Secret, new Dictionary<string, string> { ["tenant"] = "acme" }, null, null, null), null, Call);

        Assert.Equal("""{"keyId":"alias/app","encryptionContext":{"tenant":"acme"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}""", Json(projection.RequestParameters));
        Assert.Null(projection.ResponseElements);
    }

    // ct-generatemac, ct-verifymac: requestParameters keyId and macAlgorithm, responseElements null.
    [Fact]
    public void Project_GenerateMacAndVerifyMac_RecordKeyIdAndMacAlgorithmOnly()
    {
        var generate = GenerateMacOperation.Project(new GenerateMacRequest(Secret, "alias/app", "HMAC_SHA_384", null, null), new GenerateMacResponse(Secret, default, "arn"), Call);
        var verify = VerifyMacOperation.Project(new VerifyMacRequest(Secret, "alias/app", "HMAC_SHA_384", Secret, null, null), new VerifyMacResponse("arn", true, default), Call);

        Assert.Equal("""{"keyId":"alias/app","macAlgorithm":"HMAC_SHA_384"}""", Json(generate.RequestParameters));
        Assert.Equal("""{"keyId":"alias/app","macAlgorithm":"HMAC_SHA_384"}""", Json(verify.RequestParameters));
        Assert.Null(generate.ResponseElements);
        Assert.Null(verify.ResponseElements);
    }

    [Fact]
    public void Project_DeriveSharedSecret_RecordsKeyIdAndKeyAgreementAlgorithmOnly()
    {
        var projection = DeriveSharedSecretOperation.Project(
            new DeriveSharedSecretRequest("k", "ECDH", Secret, null, null, null), new DeriveSharedSecretResponse("arn", Secret, default, default), Call);

        Assert.Equal("""{"keyId":"k","keyAgreementAlgorithm":"ECDH"}""", Json(projection.RequestParameters));
        Assert.Null(projection.ResponseElements);
    }

    [Fact]
    public void Project_AsymmetricEncrypt_RecordsTheAlgorithm()
    {
        var projection = EncryptOperation.Project(new EncryptRequest("k", Secret, null, null, "RSAES_OAEP_SHA_256", null), null, Call);

        Assert.Equal("""{"keyId":"k","encryptionAlgorithm":"RSAES_OAEP_SHA_256"}""", Json(projection.RequestParameters));
    }

    [Fact]
    public void Project_GenerateDataKeyPair_RecordsKeyPairSpecAndKeyMaterialId()
    {
        var projection = GenerateDataKeyPairOperation.Project(
            new GenerateDataKeyPairRequest(null, "k", "ECC_NIST_P256", null, null, null),
            new GenerateDataKeyPairResponse(Secret, Secret, Secret, "arn", default, "material-7"),
            Call);

        Assert.Equal("""{"keyId":"k","keyPairSpec":"ECC_NIST_P256"}""", Json(projection.RequestParameters));
        Assert.Equal("material-7", projection.AdditionalEventData?.KeyMaterialId);
    }

    [Fact]
    public void Project_EncryptResponse_RecordsKeyMaterialIdAsAdditionalEventData()
    {
        var projection = EncryptOperation.Project(
            new EncryptRequest("k", Secret, null, null, null, null), new EncryptResponse(Secret, "arn", default, "material-7"), Call);

        Assert.Equal("material-7", projection.AdditionalEventData?.KeyMaterialId);
        Assert.Null(projection.ResponseElements);
    }

    [Fact]
    public void Project_RetireGrant_RecordsNoParametersAndOnlyTheGrantId()
    {
        var byToken = RetireGrantOperation.Project(new RetireGrantRequest("not-a-token", null, null, null), EmptyResponse.Instance, Call);
        var byId = RetireGrantOperation.Project(new RetireGrantRequest(null, "k", "g-1", null), null, Call);

        Assert.Null(byToken.RequestParameters);
        Assert.Null(byToken.ResponseElements);
        Assert.Null(byToken.AdditionalEventData);
        Assert.Null(byId.RequestParameters);
        Assert.Equal("g-1", byId.AdditionalEventData?.GrantId);
    }

    [Fact]
    public void Project_EnableKey_RecordsTheResolvedKeyArnAsResponseKeyId()
    {
        var call = NewCall("arn:aws:iam::111122223333:user/alice");
        call.UsedKey("arn:aws:kms:us-east-1:111122223333:key/k");

        var projection = EnableKeyOperation.Project(new KeyIdRequest("alias/app"), EmptyResponse.Instance, call);

        Assert.Equal("alias/app", projection.RequestParameters?.KeyId);
        Assert.Equal("arn:aws:kms:us-east-1:111122223333:key/k", projection.ResponseElements?.KeyId);
        Assert.Null(EnableKeyOperation.Project(new KeyIdRequest("alias/app"), null, call).ResponseElements);
    }

    [Fact]
    public void Project_GenerateRandom_RecordsNullParameters() =>
        Assert.Null(GenerateRandomOperation.Project(new GenerateRandomRequest(32, null, null), null, Call).RequestParameters);

    internal static CallContext NewCall(string principalArn)
    {
        var account = principalArn.Split(':')[4];
        return new CallContext(
            account, principalArn, "AKIDEXAMPLE", "us-east-1", "aws", "192.0.2.0", "r", "test", new Principal(principalArn, account, []), SecureTransport: false);
    }

    // The JSON the record carries, through the record writer itself.
    private static string Json(AuditProjection projection) =>
        Json(projection.RequestParameters) + Json(projection.ResponseElements) + JsonSerializer.Serialize(projection.AdditionalEventData?.GrantId);

    private static string Json(AuditParameters? parameters)
    {
        var e = new AuditEvent(
            Guid.Empty, DateTimeOffset.UnixEpoch, "Test", AuditEventType.ApiCall, "r", "us-east-1", null, null, null,
            parameters, null, null, null, null, null, ReadOnly: true);
        using var record = JsonDocument.Parse(CloudTrailRecordWriter.ToJson(e));
        return record.RootElement.GetProperty("requestParameters").GetRawText();
    }
}
