using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using KmsService.Core.Errors;
using KmsService.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Protocol;

/// <summary>Runs one operation on a raw JSON body and returns the serialised response.</summary>
internal delegate Task<byte[]> OperationHandler(ReadOnlyMemory<byte> body, CallContext call, CancellationToken ct);

/// <summary>The one table of operations, keyed by <c>X-Amz-Target</c>. Every operation of the KMS model is here:
/// those not built yet answer UnsupportedOperationException instead of UnknownOperationException.</summary>
internal sealed class OperationTable
{
    public const string TargetPrefix = "TrentService.";

    private static readonly string[] ModelOperations =
    [
        "CancelKeyDeletion", "ConnectCustomKeyStore", "CreateAlias", "CreateCustomKeyStore", "CreateGrant", "CreateKey",
        "Decrypt", "DeleteAlias", "DeleteCustomKeyStore", "DeleteImportedKeyMaterial", "DeriveSharedSecret",
        "DescribeCustomKeyStores", "DescribeKey", "DisableKey", "DisableKeyRotation", "DisconnectCustomKeyStore",
        "EnableKey", "EnableKeyRotation", "Encrypt", "GenerateDataKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateDataKeyWithoutPlaintext", "GenerateMac", "GenerateRandom",
        "GetKeyLastUsage", "GetKeyPolicy", "GetKeyRotationStatus", "GetParametersForImport", "GetPublicKey",
        "ImportKeyMaterial", "ListAliases", "ListGrants", "ListKeyPolicies", "ListKeyRotations", "ListKeys",
        "ListResourceTags", "ListRetirableGrants", "PutKeyPolicy", "ReEncrypt", "ReplicateKey", "RetireGrant",
        "RevokeGrant", "RotateKeyOnDemand", "ScheduleKeyDeletion", "Sign", "TagResource", "UntagResource", "UpdateAlias",
        "UpdateCustomKeyStore", "UpdateKeyDescription", "UpdatePrimaryRegion", "Verify", "VerifyMac",
    ];

    private readonly FrozenDictionary<string, OperationHandler> _handlers;

    public OperationTable(IServiceProvider services)
    {
        var ctx = KmsJsonContext.Default;
        var table = new Dictionary<string, OperationHandler>(StringComparer.Ordinal);

        void Add<TReq, TResp>(string name, JsonTypeInfo<TReq> req, JsonTypeInfo<TResp> resp)
            where TReq : class
        {
            // Operations that share a request and response shape are registered under their name.
            var op = services.GetKeyedService<IKmsOperation<TReq, TResp>>(name) ?? services.GetRequiredService<IKmsOperation<TReq, TResp>>();
            table[TargetPrefix + name] = Handler(op, req, resp);
        }

        Add("CreateKey", ctx.CreateKeyRequest, ctx.CreateKeyResponse);
        Add("DescribeKey", ctx.DescribeKeyRequest, ctx.DescribeKeyResponse);
        Add("ListKeys", ctx.ListKeysRequest, ctx.ListKeysResponse);
        Add("Encrypt", ctx.EncryptRequest, ctx.EncryptResponse);
        Add("Decrypt", ctx.DecryptRequest, ctx.DecryptResponse);
        Add("ReEncrypt", ctx.ReEncryptRequest, ctx.ReEncryptResponse);
        Add("GenerateDataKey", ctx.GenerateDataKeyRequest, ctx.GenerateDataKeyResponse);
        Add("GenerateDataKeyWithoutPlaintext", ctx.GenerateDataKeyRequest, ctx.GenerateDataKeyWithoutPlaintextResponse);
        Add("GenerateRandom", ctx.GenerateRandomRequest, ctx.GenerateRandomResponse);
        Add("TagResource", ctx.TagResourceRequest, ctx.EmptyResponse);
        Add("UntagResource", ctx.UntagResourceRequest, ctx.EmptyResponse);
        Add("ListResourceTags", ctx.ListResourceTagsRequest, ctx.ListResourceTagsResponse);
        Add("UpdateKeyDescription", ctx.UpdateKeyDescriptionRequest, ctx.EmptyResponse);
        Add("CreateAlias", ctx.CreateAliasRequest, ctx.EmptyResponse);
        Add("UpdateAlias", ctx.UpdateAliasRequest, ctx.EmptyResponse);
        Add("DeleteAlias", ctx.DeleteAliasRequest, ctx.EmptyResponse);
        Add("ListAliases", ctx.ListAliasesRequest, ctx.ListAliasesResponse);
        Add("GetKeyPolicy", ctx.GetKeyPolicyRequest, ctx.GetKeyPolicyResponse);
        Add("PutKeyPolicy", ctx.PutKeyPolicyRequest, ctx.EmptyResponse);
        Add("ListKeyPolicies", ctx.ListKeyPoliciesRequest, ctx.ListKeyPoliciesResponse);
        Add("EnableKey", ctx.KeyIdRequest, ctx.EmptyResponse);
        Add("DisableKey", ctx.KeyIdRequest, ctx.EmptyResponse);
        Add("ScheduleKeyDeletion", ctx.ScheduleKeyDeletionRequest, ctx.ScheduleKeyDeletionResponse);
        Add("CancelKeyDeletion", ctx.KeyIdRequest, ctx.CancelKeyDeletionResponse);
        Add("EnableKeyRotation", ctx.EnableKeyRotationRequest, ctx.EmptyResponse);
        Add("DisableKeyRotation", ctx.KeyIdRequest, ctx.EmptyResponse);
        Add("GetKeyRotationStatus", ctx.KeyIdRequest, ctx.GetKeyRotationStatusResponse);
        Add("RotateKeyOnDemand", ctx.KeyIdRequest, ctx.RotateKeyOnDemandResponse);
        Add("ListKeyRotations", ctx.ListKeyRotationsRequest, ctx.ListKeyRotationsResponse);
        Add("CreateGrant", ctx.CreateGrantRequest, ctx.CreateGrantResponse);
        Add("ListGrants", ctx.ListGrantsRequest, ctx.ListGrantsResponse);
        Add("ListRetirableGrants", ctx.ListRetirableGrantsRequest, ctx.ListGrantsResponse);
        Add("RetireGrant", ctx.RetireGrantRequest, ctx.EmptyResponse);
        Add("RevokeGrant", ctx.RevokeGrantRequest, ctx.EmptyResponse);

        foreach (var name in ModelOperations)
        {
            table.TryAdd(TargetPrefix + name, Unsupported(name));
        }

        _handlers = table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    public bool TryGet(string target, out OperationHandler handler) => _handlers.TryGetValue(target, out handler!);

    /// <summary>The operations registered with a real implementation (for tests and docs).</summary>
    public static void Register(IServiceCollection services)
    {
        services.AddSingleton<IKmsOperation<CreateKeyRequest, CreateKeyResponse>, CreateKeyOperation>();
        services.AddSingleton<IKmsOperation<DescribeKeyRequest, DescribeKeyResponse>, DescribeKeyOperation>();
        services.AddSingleton<IKmsOperation<ListKeysRequest, ListKeysResponse>, ListKeysOperation>();
        services.AddSingleton<IKmsOperation<EncryptRequest, EncryptResponse>, EncryptOperation>();
        services.AddSingleton<IKmsOperation<DecryptRequest, DecryptResponse>, DecryptOperation>();
        services.AddSingleton<IKmsOperation<ReEncryptRequest, ReEncryptResponse>, ReEncryptOperation>();
        services.AddSingleton<IKmsOperation<GenerateDataKeyRequest, GenerateDataKeyResponse>, GenerateDataKeyOperation>();
        services.AddSingleton<IKmsOperation<GenerateDataKeyRequest, GenerateDataKeyWithoutPlaintextResponse>, GenerateDataKeyWithoutPlaintextOperation>();
        services.AddSingleton<IKmsOperation<GenerateRandomRequest, GenerateRandomResponse>, GenerateRandomOperation>();
        services.AddSingleton<IKmsOperation<TagResourceRequest, EmptyResponse>, TagResourceOperation>();
        services.AddSingleton<IKmsOperation<UntagResourceRequest, EmptyResponse>, UntagResourceOperation>();
        services.AddSingleton<IKmsOperation<ListResourceTagsRequest, ListResourceTagsResponse>, ListResourceTagsOperation>();
        services.AddSingleton<IKmsOperation<UpdateKeyDescriptionRequest, EmptyResponse>, UpdateKeyDescriptionOperation>();
        services.AddSingleton<IKmsOperation<CreateAliasRequest, EmptyResponse>, CreateAliasOperation>();
        services.AddSingleton<IKmsOperation<UpdateAliasRequest, EmptyResponse>, UpdateAliasOperation>();
        services.AddSingleton<IKmsOperation<DeleteAliasRequest, EmptyResponse>, DeleteAliasOperation>();
        services.AddSingleton<IKmsOperation<ListAliasesRequest, ListAliasesResponse>, ListAliasesOperation>();
        services.AddSingleton<IKmsOperation<GetKeyPolicyRequest, GetKeyPolicyResponse>, GetKeyPolicyOperation>();
        services.AddSingleton<IKmsOperation<PutKeyPolicyRequest, EmptyResponse>, PutKeyPolicyOperation>();
        services.AddSingleton<IKmsOperation<ListKeyPoliciesRequest, ListKeyPoliciesResponse>, ListKeyPoliciesOperation>();
        services.AddKeyedSingleton<IKmsOperation<KeyIdRequest, EmptyResponse>, EnableKeyOperation>("EnableKey");
        services.AddKeyedSingleton<IKmsOperation<KeyIdRequest, EmptyResponse>, DisableKeyOperation>("DisableKey");
        services.AddSingleton<IKmsOperation<ScheduleKeyDeletionRequest, ScheduleKeyDeletionResponse>, ScheduleKeyDeletionOperation>();
        services.AddSingleton<IKmsOperation<KeyIdRequest, CancelKeyDeletionResponse>, CancelKeyDeletionOperation>();
        services.AddSingleton<IKmsOperation<EnableKeyRotationRequest, EmptyResponse>, EnableKeyRotationOperation>();
        services.AddKeyedSingleton<IKmsOperation<KeyIdRequest, EmptyResponse>, DisableKeyRotationOperation>("DisableKeyRotation");
        services.AddSingleton<IKmsOperation<KeyIdRequest, GetKeyRotationStatusResponse>, GetKeyRotationStatusOperation>();
        services.AddSingleton<IKmsOperation<KeyIdRequest, RotateKeyOnDemandResponse>, RotateKeyOnDemandOperation>();
        services.AddSingleton<IKmsOperation<ListKeyRotationsRequest, ListKeyRotationsResponse>, ListKeyRotationsOperation>();
        services.AddSingleton<IKmsOperation<CreateGrantRequest, CreateGrantResponse>, CreateGrantOperation>();
        services.AddSingleton<IKmsOperation<ListGrantsRequest, ListGrantsResponse>, ListGrantsOperation>();
        services.AddSingleton<IKmsOperation<ListRetirableGrantsRequest, ListGrantsResponse>, ListRetirableGrantsOperation>();
        services.AddSingleton<IKmsOperation<RetireGrantRequest, EmptyResponse>, RetireGrantOperation>();
        services.AddSingleton<IKmsOperation<RevokeGrantRequest, EmptyResponse>, RevokeGrantOperation>();
        services.AddSingleton<KeyResolver>();
        services.AddSingleton<AwsManagedKeyFactory>();
        services.AddSingleton<Authorizer>();
        services.AddSingleton<SymmetricCrypto>();
        services.AddSingleton<OperationTable>();
    }

    private static OperationHandler Handler<TReq, TResp>(IKmsOperation<TReq, TResp> op, JsonTypeInfo<TReq> reqInfo, JsonTypeInfo<TResp> respInfo)
        where TReq : class =>
        async (body, call, ct) =>
        {
            var request = Deserialize(body, reqInfo);
            var response = await op.ExecuteAsync(request, call, ct);
            return JsonSerializer.SerializeToUtf8Bytes(response, respInfo);
        };

    private static OperationHandler Unsupported(string name) =>
        (_, _, _) => throw new UnsupportedOperationException($"KmsService does not support the {name} operation yet.");

    private static TReq Deserialize<TReq>(ReadOnlyMemory<byte> body, JsonTypeInfo<TReq> info)
        where TReq : class
    {
        // An empty body is an empty input structure, as the SDKs send "{}" for operations without input.
        var json = body.IsEmpty ? "{}"u8 : body.Span;
        try
        {
            return JsonSerializer.Deserialize(json, info)
                ?? throw new SerializationException("The request body must be a JSON object, not null.");
        }
        catch (JsonException e)
        {
            // The reader's message names the member path and position; it never echoes values.
            throw new SerializationException($"The request body could not be read: {Describe(e)}");
        }
    }

    private static string Describe(JsonException e) =>
        e.Path is { Length: > 1 } path
            ? $"unexpected or malformed value at {path}."
            : "it is not a JSON object in the shape of this operation's input.";
}
