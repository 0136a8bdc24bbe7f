using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>KMS model enum <c>ImportType</c>.</summary>
internal enum ImportType
{
    [JsonStringEnumMemberName("NEW_KEY_MATERIAL")] NewKeyMaterial,
    [JsonStringEnumMemberName("EXISTING_KEY_MATERIAL")] ExistingKeyMaterial,
}

internal sealed record ImportKeyMaterialRequest(
    string? KeyId,
    byte[]? ImportToken,
    byte[]? EncryptedKeyMaterial,
    DateTimeOffset? ValidTo,
    string? ExpirationModel,
    string? ImportType,
    string? KeyMaterialDescription,
    string? KeyMaterialId);

internal sealed record ImportKeyMaterialResponse(string KeyId, string KeyMaterialId);

/// <summary>ImportKeyMaterial: the HSA opens the import token, unwraps the material with its private key and checks it
/// against the key spec; the material is stored wrapped under the root key like generated material. The first import
/// (or a re-import of every deleted material) makes the key Enabled; NEW_KEY_MATERIAL into a symmetric key that has
/// material waits, PENDING_ROTATION, for RotateKeyOnDemand.</summary>
internal sealed class ImportKeyMaterialOperation(KeyResolver keys, Authorizer authz, IHsa hsa, ImportStore imports, TimeProvider time)
    : IKmsOperation<ImportKeyMaterialOperation, ImportKeyMaterialRequest, ImportKeyMaterialResponse>
{
    public static string Name => "ImportKeyMaterial";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<ImportKeyMaterialRequest> RequestType => KmsJsonContext.Default.ImportKeyMaterialRequest;
    public static JsonTypeInfo<ImportKeyMaterialResponse> ResponseType => KmsJsonContext.Default.ImportKeyMaterialResponse;
    public static bool ReadOnly => false;

    // Never the token or the encrypted material (ct-importkeymaterial logs keyId, validTo and expirationModel).
    public static AuditProjection Project(ImportKeyMaterialRequest r, ImportKeyMaterialResponse? s, CallContext call) =>
        new(
            new()
            {
                KeyId = r.KeyId,
                ValidTo = AuditCopy.Date(r.ValidTo),
                ExpirationModel = r.ExpirationModel,
                ImportType = r.ImportType,
                KeyMaterialDescription = r.KeyMaterialDescription,
                KeyMaterialId = r.KeyMaterialId,
            },
            s is null ? null : new() { KeyId = s.KeyId, KeyMaterialId = s.KeyMaterialId });

    public async Task<ImportKeyMaterialResponse> ExecuteAsync(ImportKeyMaterialRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .NotNull(req.ImportToken, "importToken").Length(req.ImportToken, 1, 6144, "importToken")
            .NotNull(req.EncryptedKeyMaterial, "encryptedKeyMaterial").Length(req.EncryptedKeyMaterial, 1, 6144, "encryptedKeyMaterial")
            .Enum<ExpirationModelType>(req.ExpirationModel, "expirationModel")
            .Enum<ImportType>(req.ImportType, "importType")
            .MaterialDescription(req.KeyMaterialDescription, "keyMaterialDescription")
            .MaterialId(req.KeyMaterialId, "keyMaterialId")
            .ThrowIfAny();

        var now = time.GetUtcNow();
        var validTo = req.ValidTo is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v.ToUnixTimeMilliseconds()) : (DateTimeOffset?)null;
        var expiration = ImportRules.CheckExpiration(req.ExpirationModel, validTo, now);
        bool? newMaterial = req.ImportType is null ? null : req.ImportType == "NEW_KEY_MATERIAL";
        if (newMaterial == true && req.KeyMaterialId is not null)
        {
            throw new ValidationException("You cannot specify a KeyMaterialId with ImportType NEW_KEY_MATERIAL.");
        }

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, Name, ct);
        authz.Demand(call, Name, key, conditions: r =>
        {
            r.Set("kms:ExpirationModel", WireNames<ExpirationModelType>.Name(expiration));
            if (validTo is { } date)
            {
                r.Set("kms:ValidTo", date.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
            }
        });
        key.EnsureImportAllowed();
        if (key.KeySpec != KeySpec.SymmetricDefault
            && (req.ImportType is not null || req.KeyMaterialDescription is not null || req.KeyMaterialId is not null))
        {
            throw new ValidationException(
                "ImportType, KeyMaterialDescription and KeyMaterialId are valid only for symmetric encryption KMS keys.");
        }

        var material = hsa.ImportWrappedKeyMaterial(key.Arn, key.KeySpec, req.ImportToken, req.EncryptedKeyMaterial, now);
        var response = new ImportKeyMaterialResponse(key.Arn, material.MaterialId);
        call.AuditTransaction?.Responding(Project(req, response, call));
        await imports.ImportAsync(
            key.Arn, material, new ImportOptions(newMaterial, req.KeyMaterialId, expiration, validTo, req.KeyMaterialDescription), now, call.AuditTransaction, ct);
        return response;
    }
}
