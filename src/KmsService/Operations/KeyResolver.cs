using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Turns a caller's KeyId (key id, key ARN, alias name, alias ARN) into a key of the caller's region, with
/// the NotFoundException wording AWS uses for each form.</summary>
internal sealed class KeyResolver(KeyStore store, AwsManagedKeyFactory awsManaged)
{
    /// <summary>Resolves a KeyId where the model accepts aliases too (Encrypt, Decrypt, DescribeKey, …).</summary>
    public Task<KmsKey> ResolveAsync(string keyId, CallContext call, string action, CancellationToken ct) =>
        ResolveAndNoteAsync(keyId, call, action, allowAlias: true, ct);

    /// <summary>Resolves a KeyId that must be a key id or key ARN.</summary>
    public Task<KmsKey> ResolveKeyAsync(string keyId, CallContext call, string action, CancellationToken ct) =>
        ResolveAndNoteAsync(keyId, call, action, allowAlias: false, ct);

    // The resolved key goes to the call's audit record (resources), whether the call then succeeds or is refused.
    private async Task<KmsKey> ResolveAndNoteAsync(string keyId, CallContext call, string action, bool allowAlias, CancellationToken ct)
    {
        var key = await ResolveAsync(keyId, call, action, allowAlias, ct);
        call.UsedKey(key.Arn);
        return key;
    }

    private async Task<KmsKey> ResolveAsync(string keyId, CallContext call, string action, bool allowAlias, CancellationToken ct)
    {
        var id = KeyIdentifier.Parse(keyId);
        switch (id.Kind)
        {
            // ARNs are built in the caller's partition and region: past CheckArnScope an ARN names those too.
            case KeyIdentifierKind.KeyId:
                return await FindKeyAsync(KmsKey.BuildArn(call.Partition, call.Region, call.AccountId, id.Name), ct);

            case KeyIdentifierKind.KeyArn:
                CheckArnScope(id, call);
                return await FindKeyAsync(KmsKey.BuildArn(call.Partition, call.Region, id.Account!, id.Name), ct);

            case KeyIdentifierKind.AliasName when allowAlias:
                return await FindAliasAsync(call, call.AccountId, id.Name, action, ct);

            case KeyIdentifierKind.AliasArn when allowAlias:
                CheckArnScope(id, call);
                return await FindAliasAsync(call, id.Account!, id.Name, action, ct);

            default:
                throw new NotFoundException($"Invalid keyId '{keyId}'");
        }
    }

    // A key of another account is found by ARN like any other; its key policy then decides (Authorizer). A key of
    // another region or partition is not: the ARN must name the caller's region, and so the caller's partition.
    private static void CheckArnScope(KeyIdentifier id, CallContext call)
    {
        if (id.Region != call.Region)
        {
            throw new NotFoundException($"Invalid arn {id.Region}");
        }

        // INVARIANT: KeyIdentifier.Parse refuses an ARN whose partition is not its region's, so this holds already;
        // checked here too because the ARN is rebuilt without its partition field.
        if (id.Partition != call.Partition)
        {
            throw new NotFoundException($"Invalid keyId '{id.Raw}'");
        }
    }

    private async Task<KmsKey> FindKeyAsync(string arn, CancellationToken ct) =>
        await store.FindAsync(arn, ct) ?? throw new NotFoundException($"Key '{arn}' does not exist");

    private async Task<KmsKey> FindAliasAsync(CallContext call, string account, string aliasName, string action, CancellationToken ct)
    {
        var region = call.Region;
        var aliasArn = $"arn:{call.Partition}:kms:{region}:{account}:{aliasName}";
        var target = await store.FindAliasTargetAsync(account, region, aliasName, ct);

        // As on AWS, describing a predefined alias/aws/<service> creates that account's AWS managed key.
        if (target is null && action == "DescribeKey" && AwsManagedKeys.IsPredefined(aliasName))
        {
            return await awsManaged.GetOrCreateAsync(call, account, region, aliasName, ct);
        }

        if (target is null)
        {
            throw new NotFoundException($"Alias {aliasArn} is not found.");
        }
        return await store.FindAsync(target, ct) ?? throw new NotFoundException($"Alias {aliasArn} is not found.");
    }
}
