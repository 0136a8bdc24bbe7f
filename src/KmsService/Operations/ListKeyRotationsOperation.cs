using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>KMS model enum <c>IncludeKeyMaterial</c>.</summary>
internal enum IncludeKeyMaterial
{
    [JsonStringEnumMemberName("ALL_KEY_MATERIAL")] AllKeyMaterial,
    [JsonStringEnumMemberName("ROTATIONS_ONLY")] RotationsOnly,
}

/// <summary>KMS model enum <c>RotationType</c>.</summary>
internal enum RotationType
{
    [JsonStringEnumMemberName("AUTOMATIC")] Automatic,
    [JsonStringEnumMemberName("ON_DEMAND")] OnDemand,
}

/// <summary>KMS model enum <c>ImportState</c>.</summary>
internal enum ImportState
{
    [JsonStringEnumMemberName("IMPORTED")] Imported,
    [JsonStringEnumMemberName("PENDING_IMPORT")] PendingImport,
}

/// <summary>KMS model enum <c>KeyMaterialState</c>; the two PENDING_… values belong to imported key material only.</summary>
internal enum KeyMaterialState
{
    [JsonStringEnumMemberName("NON_CURRENT")] NonCurrent,
    [JsonStringEnumMemberName("CURRENT")] Current,
    [JsonStringEnumMemberName("PENDING_ROTATION")] PendingRotation,
    [JsonStringEnumMemberName("PENDING_MULTI_REGION_IMPORT_AND_ROTATION")] PendingMultiRegionImportAndRotation,
}

internal sealed record ListKeyRotationsRequest(string? KeyId, string? IncludeKeyMaterial, int? Limit, string? Marker);

/// <summary>Model shape <c>RotationsListEntry</c>: KeyMaterialDescription, ImportState, ExpirationModel and ValidTo only
/// for imported (EXTERNAL) key material. RotationDate and RotationType are absent for the original material and for
/// material pending rotation.</summary>
internal sealed record RotationsListEntry(
    string KeyId,
    string KeyMaterialId,
    KeyMaterialState KeyMaterialState,
    DateTimeOffset? RotationDate,
    RotationType? RotationType)
{
    public string? KeyMaterialDescription { get; init; }
    public ImportState? ImportState { get; init; }
    public ExpirationModelType? ExpirationModel { get; init; }
    public DateTimeOffset? ValidTo { get; init; }
}

internal sealed record ListKeyRotationsResponse(IReadOnlyList<RotationsListEntry> Rotations, string? NextMarker, bool Truncated);

/// <summary>ListKeyRotations: the key's completed rotations, oldest first, in pages of Limit (1..1000, default 100);
/// with IncludeKeyMaterial ALL_KEY_MATERIAL the original material comes first.</summary>
internal sealed class ListKeyRotationsOperation(KeyResolver keys, Authorizer authz, RotationStore rotations)
    : IKmsOperation<ListKeyRotationsOperation, ListKeyRotationsRequest, ListKeyRotationsResponse>
{
    public static string Name => "ListKeyRotations";
    public static RequestQuota Quota => RequestQuota.PerSecond(100);
    public static JsonTypeInfo<ListKeyRotationsRequest> RequestType => KmsJsonContext.Default.ListKeyRotationsRequest;
    public static JsonTypeInfo<ListKeyRotationsResponse> ResponseType => KmsJsonContext.Default.ListKeyRotationsResponse;
    public static bool ReadOnly => true;

    public static AuditProjection Project(ListKeyRotationsRequest r, ListKeyRotationsResponse? _, CallContext call) =>
        new(new() { KeyId = r.KeyId, IncludeKeyMaterial = r.IncludeKeyMaterial, Limit = r.Limit, Marker = r.Marker });

    public async Task<ListKeyRotationsResponse> ExecuteAsync(ListKeyRotationsRequest req, CallContext call, CancellationToken ct)
    {
        new Validator()
            .KeyId(req.KeyId, "keyId")
            .Enum<IncludeKeyMaterial>(req.IncludeKeyMaterial, "includeKeyMaterial")
            .Range(req.Limit, 1, 1000, "limit")
            .Length(req.Marker, 1, 1024, "marker")
            .ThrowIfAny();

        // Our markers are the chain position of the last entry returned; anything else was not issued by us.
        var after = 0;
        if (req.Marker is not null
            && !int.TryParse(req.Marker, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            throw new InvalidMarkerException("The marker that you specified is not valid.");
        }

        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "ListKeyRotations", ct);
        authz.Demand(call, "ListKeyRotations", key);
        key.EnsureRotationSupported();

        var includeOriginal = req.IncludeKeyMaterial == "ALL_KEY_MATERIAL";
        var (page, truncated, current) = await rotations.ListBackingKeysAsync(key.Arn, includeOriginal, req.Limit ?? 100, after, ct);
        var imported = key.Origin == OriginType.External;
        var entries = page.Select(b => new RotationsListEntry(
            key.Arn,
            b.MaterialId,
            b.PendingRotation ? KeyMaterialState.PendingRotation
                : b.MaterialId == current ? KeyMaterialState.Current : KeyMaterialState.NonCurrent,
            b.RotationType is null ? null : b.CreatedAt,
            b.RotationType switch
            {
                RotationStore.Automatic => RotationType.Automatic,
                RotationStore.OnDemand => RotationType.OnDemand,
                _ => null,
            })
        {
            KeyMaterialDescription = imported ? b.KeyMaterialDescription : null,
            ImportState = imported ? (b.Imported ? ImportState.Imported : ImportState.PendingImport) : null,
            ExpirationModel = imported && b.ExpirationModel is { } model ? WireNames<ExpirationModelType>.Parse(model) : null,
            ValidTo = imported ? b.ValidTo : null,
        }).ToList();
        var next = truncated ? page[^1].Sequence.ToString(CultureInfo.InvariantCulture) : null;
        return new ListKeyRotationsResponse(entries, next, truncated);
    }
}
