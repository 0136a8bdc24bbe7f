using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record UpdateAliasRequest(string? AliasName, string? TargetKeyId);

/// <summary>UpdateAlias: points an existing alias at another key of the same account and region, of the same key
/// type (symmetric, asymmetric or HMAC) and key usage as the current one.</summary>
internal sealed class UpdateAliasOperation(KeyResolver resolver, KeyStore keys, Authorizer authz, AliasStore aliases, TimeProvider time, KmsOptions options)
    : IKmsOperation<UpdateAliasOperation, UpdateAliasRequest, EmptyResponse>
{
    public static string Name => "UpdateAlias";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<UpdateAliasRequest> RequestType => KmsJsonContext.Default.UpdateAliasRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(UpdateAliasRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { AliasName = r.AliasName, TargetKeyId = r.TargetKeyId }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(UpdateAliasRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().AliasName(req.AliasName).KeyId(req.TargetKeyId, "targetKeyId").ThrowIfAny();
        var name = req.AliasName!;
        AliasRules.EnsureCustomerAliasName(name);
        AliasRules.EnsureTargetIsAKey(req.TargetKeyId!);

        var alias = await aliases.FindAsync(call.AccountId, call.Region, name, ct) ?? throw AliasRules.NotFound(call, name);
        var newKey = await resolver.ResolveKeyAsync(req.TargetKeyId!, call, "UpdateAlias", ct);
        authz.Demand(call, "UpdateAlias", newKey);

        // The current key goes with its aliases (cascade), so a missing one means the alias went with it.
        var currentKey = await keys.FindAsync(alias.TargetKeyArn, ct) ?? throw AliasRules.NotFound(call, name);
        authz.Demand(call, "UpdateAlias", currentKey);
        EnsureSameType(name, currentKey, newKey);
        AliasRules.EnsureNotPendingDeletion(newKey);

        var result = await aliases.RetargetAsync(
            call.AccountId, call.Region, name, newKey.Arn, AliasRules.Now(time), options.Quotas.AliasesPerKey, call.AuditTransaction, ct);
        return result switch
        {
            AliasWriteResult.Done => EmptyResponse.Instance,
            AliasWriteResult.NotFound => throw AliasRules.NotFound(call, name),
            AliasWriteResult.QuotaExceeded => throw AliasRules.QuotaExceeded(newKey, options.Quotas.AliasesPerKey),
            var other => throw new InvalidOperationException($"Unexpected alias write result {other}."),
        };
    }

    /// <summary>API reference, UpdateAlias: "The current and new KMS key must be the same type (both symmetric or both
    /// asymmetric or both HMAC), and they must have the same key usage." RSA to ECC with the same usage is allowed.</summary>
    private static void EnsureSameType(string name, KmsKey current, KmsKey next)
    {
        if (current.KeyUsage != next.KeyUsage)
        {
            throw new ValidationException(
                $"Alias {name} cannot be changed from a CMK with key usage {WireNames<KeyUsageType>.Name(current.KeyUsage)} to a CMK with key usage {WireNames<KeyUsageType>.Name(next.KeyUsage)}. The key usage of the current CMK and the new CMK must be the same.");
        }

        if (TypeOf(current.KeySpec) != TypeOf(next.KeySpec))
        {
            throw new ValidationException(
                $"Alias {name} cannot be changed from a CMK with key spec {current.KeySpec.Name()} to a CMK with key spec {next.KeySpec.Name()}. The current CMK and the new CMK must be the same type: both symmetric, both asymmetric or both HMAC.");
        }
    }

    private static string TypeOf(KeySpec spec) => spec switch
    {
        KeySpec.SymmetricDefault => "symmetric",
        KeySpec.Hmac224 or KeySpec.Hmac256 or KeySpec.Hmac384 or KeySpec.Hmac512 => "HMAC",
        _ => "asymmetric",
    };
}
