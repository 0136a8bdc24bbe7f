using System.Text.Json.Serialization.Metadata;
using KmsService.Audit.Records;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Hosting;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

internal sealed record CreateAliasRequest(string? AliasName, string? TargetKeyId);

/// <summary>CreateAlias: a new alias name in the caller's account and region for a customer managed key given by
/// key id or key ARN.</summary>
internal sealed class CreateAliasOperation(KeyResolver keys, Authorizer authz, AliasStore aliases, TimeProvider time, KmsOptions options)
    : IKmsOperation<CreateAliasOperation, CreateAliasRequest, EmptyResponse>
{
    public static string Name => "CreateAlias";
    public static RequestQuota Quota => RequestQuota.PerSecond(5);
    public static JsonTypeInfo<CreateAliasRequest> RequestType => KmsJsonContext.Default.CreateAliasRequest;
    public static JsonTypeInfo<EmptyResponse> ResponseType => KmsJsonContext.Default.EmptyResponse;
    public static bool ReadOnly => false;

    public static AuditProjection Project(CreateAliasRequest r, EmptyResponse? s, CallContext call) =>
        new(new() { AliasName = r.AliasName, TargetKeyId = r.TargetKeyId }, s is null ? null : AuditCopy.AffectedKey(call));

    public async Task<EmptyResponse> ExecuteAsync(CreateAliasRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().AliasName(req.AliasName).KeyId(req.TargetKeyId, "targetKeyId").ThrowIfAny();
        var name = req.AliasName!;
        AliasRules.EnsureCustomerAliasName(name);
        AliasRules.EnsureTargetIsAKey(req.TargetKeyId!);

        var key = await keys.ResolveKeyAsync(req.TargetKeyId!, call, "CreateAlias", ct);
        authz.Demand(call, "CreateAlias", key);
        AliasRules.EnsureNotPendingDeletion(key);

        var now = AliasRules.Now(time);
        var row = new AliasRow
        {
            AccountId = call.AccountId,
            Region = call.Region,
            AliasName = name,
            TargetKeyArn = key.Arn,
            CreationDate = now,
            LastUpdatedDate = now,
        };

        return await aliases.CreateAsync(row, options.Quotas.AliasesPerKey, call.AuditTransaction, ct) switch
        {
            AliasWriteResult.Done => EmptyResponse.Instance,
            AliasWriteResult.AlreadyExists => throw new AlreadyExistsException($"An alias with the name {AliasRules.Arn(call, name)} already exists"),
            AliasWriteResult.QuotaExceeded => throw AliasRules.QuotaExceeded(key, options.Quotas.AliasesPerKey),
            var other => throw new InvalidOperationException($"Unexpected alias write result {other}."),
        };
    }
}

/// <summary>Rules shared by the alias operations: the AliasName model constraints, the <c>alias/</c> and
/// <c>alias/aws/</c> prefixes, the per-key quota and AWS's wording for each.</summary>
internal static class AliasRules
{
    public const string NamePattern = "^[a-zA-Z0-9:/_-]+$";

    /// <summary>A required AliasNameType member: 1..256 characters of <see cref="NamePattern"/>.</summary>
    public static Validator AliasName(this Validator v, string? value) =>
        v.NotNull(value, "aliasName")
            .Length(value, 1, 256, "aliasName")
            .Check(
                value is null || MatchesPattern(value),
                $"Value '{Validator.Echo(value ?? string.Empty)}' at 'aliasName' failed to satisfy constraint: Member must satisfy regular expression pattern: {NamePattern}");

    /// <summary>Service rules after the model constraints: the <c>alias/</c> prefix with a name after it, and not
    /// the <c>alias/aws/</c> prefix that AWS reserves for AWS managed keys.</summary>
    public static void EnsureCustomerAliasName(string name)
    {
        // AWS-ERRORS.md "Aliases" (recorded for CreateAlias). "alias/" alone names nothing: the same answer.
        if (!name.StartsWith(AliasNames.Prefix, StringComparison.Ordinal) || name.Length == AliasNames.Prefix.Length)
        {
            throw new ValidationException("Alias must start with the prefix \"alias/\". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html");
        }

        if (name.StartsWith(AliasNames.AwsReservedPrefix, StringComparison.Ordinal))
        {
            throw new InvalidAliasNameException($"Alias {name} is not valid: the alias/aws/ prefix is reserved for AWS managed keys.");
        }

        // The model's pattern admits ':', the API reference's AliasName does not ("only alphanumeric characters,
        // forward slashes (/), underscores (_), and dashes (-)"); wording as moto's suite records it.
        if (name.Contains(':', StringComparison.Ordinal))
        {
            throw new ValidationException($"{name} contains invalid characters for an alias");
        }
    }

    /// <summary>TargetKeyId takes a key id or key ARN only (API reference, CreateAlias and UpdateAlias): an alias
    /// name or alias ARN is refused before any lookup, with the wording moto's suite records.</summary>
    public static void EnsureTargetIsAKey(string targetKeyId)
    {
        if (targetKeyId.StartsWith(AliasNames.Prefix, StringComparison.Ordinal)
            || (targetKeyId.StartsWith("arn:", StringComparison.Ordinal) && targetKeyId.Contains(":alias/", StringComparison.Ordinal)))
        {
            throw new ValidationException("Aliases must refer to keys. Not aliases");
        }
    }

    /// <summary>AWS "Key states" table: CreateAlias and the new target of UpdateAlias fail only when PendingDeletion.</summary>
    public static void EnsureNotPendingDeletion(KmsKey key)
    {
        if (key.KeyState == KeyState.PendingDeletion)
        {
            throw new KMSInvalidStateException($"{key.Arn} is pending deletion.");
        }
    }

    public static LimitExceededException QuotaExceeded(KmsKey key, int quota) =>
        new($"The KMS key {key.Arn} already has {quota} aliases, the most a key can have. Delete an alias of this key first.");

    public static NotFoundException NotFound(CallContext call, string name) => new($"Alias {Arn(call, name)} is not found.");

    public static string Arn(CallContext call, string name) => $"arn:{call.Partition}:kms:{call.Region}:{call.AccountId}:{name}";

    /// <summary>Now, to the millisecond: timestamps go out with millisecond precision, store what we return.</summary>
    public static DateTime Now(TimeProvider time) =>
        DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()).UtcDateTime;

    private static bool MatchesPattern(string value)
    {
        if (value.Length == 0)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not (':' or '/' or '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
