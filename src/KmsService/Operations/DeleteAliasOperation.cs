using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record DeleteAliasRequest(string? AliasName);

/// <summary>DeleteAlias: removes an alias of the caller's account and region; its key is not affected, whatever its state.</summary>
internal sealed class DeleteAliasOperation(KeyStore keys, Authorizer authz, AliasStore aliases)
    : IKmsOperation<DeleteAliasOperation, DeleteAliasRequest, EmptyResponse>
{
    public static string Name => "DeleteAlias";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<DeleteAliasRequest> RequestType => KmsJsonContext.Default.DeleteAliasRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(DeleteAliasRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { AliasName = r.AliasName }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(DeleteAliasRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().AliasName(req.AliasName).ThrowIfAny();
        var name = req.AliasName!;
        AliasRules.EnsureCustomerAliasName(name);

        var alias = await aliases.FindAsync(call.AccountId, call.Region, name, ct) ?? throw AliasRules.NotFound(call, name);
        if (await keys.FindAsync(alias.TargetKeyArn, ct) is { } key)
        {
            call.UsedKey(key.Arn);
            authz.Demand(call, "DeleteAlias", key);
        }

        return await aliases.DeleteAsync(call.AccountId, call.Region, name, call.AuditTransaction, ct) == AliasWriteResult.Done
            ? EmptyResponse.Instance
            : throw AliasRules.NotFound(call, name);
    }
}
