using System.Reflection;
using System.Text.Json;
using KmsService.Audit.Records;
using KmsService.Operations;
using KmsService.Protocol;

namespace KmsService.Tests.Audit.Records;

public sealed class AuditParametersTests
{
    private static readonly string[] SecretWords =
        ["Plaintext", "Ciphertext", "Blob", "GrantToken", "Secret", "Password", "Private", "DataKey", "Attestation"];

    private static readonly Type[] AllowedLeaves =
        [typeof(string), typeof(int?), typeof(bool?), typeof(IReadOnlyDictionary<string, string>), typeof(IReadOnlyList<string>)];

    private static readonly Type[] AuditShapes = [typeof(AuditParameters), typeof(AuditGrantConstraints), typeof(AuditTag)];

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
                    || property.PropertyType == typeof(AuditGrantConstraints);
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
        }
    }

    private static readonly byte[] Secret = "top-secret-plaintext-0123456789"u8.ToArray();
    private const string Token = "GRANT-TOKEN-SECRET-abcdefghijklmnop";

    public static TheoryData<string, string> ProjectionsOfSecretRequests()
    {
        var context = new Dictionary<string, string> { ["tenant"] = "acme" };
        string[] tokens = [Token];
        return new()
        {
            { "Encrypt", Json(EncryptOperation.Project(new EncryptRequest("k", Secret, context, tokens, "SYMMETRIC_DEFAULT", null), new EncryptResponse(Secret, "arn", default))) },
            { "Decrypt", Json(DecryptOperation.Project(new DecryptRequest(Secret, context, tokens, "k", null, new RecipientInfo("RSAES_OAEP_SHA_256", Secret), null, null), null)) },
            { "ReEncrypt", Json(ReEncryptOperation.Project(new ReEncryptRequest(Secret, context, "s", "d", context, null, null, tokens, null, null), null)) },
            { "GenerateDataKey", Json(GenerateDataKeyOperation.Project(new GenerateDataKeyRequest("k", context, 32, null, tokens, null, null), new GenerateDataKeyResponse(Secret, Secret, "arn", "m"))) },
            { "GenerateDataKeyWithoutPlaintext", Json(GenerateDataKeyWithoutPlaintextOperation.Project(new GenerateDataKeyRequest("k", context, 32, null, tokens, null, null), new GenerateDataKeyWithoutPlaintextResponse(Secret, "arn", "m"))) },
            { "GenerateRandom", Json(GenerateRandomOperation.Project(new GenerateRandomRequest(32, null, null), new GenerateRandomResponse(Secret))) },
            { "DescribeKey", Json(DescribeKeyOperation.Project(new DescribeKeyRequest("k", tokens), null)) },
            { "CreateGrant", Json(CreateGrantOperation.Project(new CreateGrantRequest("k", "arn:aws:iam::1:user/a", null, ["Decrypt"], null, tokens, "n", null), new CreateGrantResponse(Token, "grant-id"))) },
            { "RetireGrant", Json(RetireGrantOperation.Project(new RetireGrantRequest(Token, null, null, null), null)) },
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

    [Fact]
    public void Project_Encrypt_RecordsKeyIdContextAndAlgorithm()
    {
        var projection = EncryptOperation.Project(
            new EncryptRequest("alias/app", Secret, new Dictionary<string, string> { ["tenant"] = "acme" }, null, "SYMMETRIC_DEFAULT", null), null);

        Assert.Equal("""{"keyId":"alias/app","encryptionContext":{"tenant":"acme"},"encryptionAlgorithm":"SYMMETRIC_DEFAULT"}""", Json(projection.RequestParameters));
        Assert.Null(projection.ResponseElements);
    }

    // The JSON the record carries, through the record writer itself.
    private static string Json(AuditProjection projection) =>
        Json(projection.RequestParameters) + Json(projection.ResponseElements);

    private static string Json(AuditParameters? parameters)
    {
        var e = new AuditEvent(
            Guid.Empty, DateTimeOffset.UnixEpoch, "Test", AuditEventType.ApiCall, "r", "us-east-1", null, null, null,
            parameters, null, null, null, null, null, ReadOnly: true);
        using var record = JsonDocument.Parse(CloudTrailRecordWriter.ToJson(e));
        return record.RootElement.GetProperty("requestParameters").GetRawText();
    }
}
