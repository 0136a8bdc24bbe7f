using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Core.Policy;
using KmsService.Protocol;
using KmsService.Storage;
using Microsoft.EntityFrameworkCore;

namespace KmsService.Operations;

/// <summary>Creates an account's AWS managed key for a predefined alias (<c>alias/aws/s3</c>, …) the first time it is
/// described: key, backing key and alias in one transaction, so concurrent first uses end with one key. The caller
/// must be allowed to describe the key-to-be before anything is stored: a refused request changes nothing.</summary>
internal sealed class AwsManagedKeyFactory(KeyStore store, IHsa hsa, TimeProvider time, Authorizer authz)
{
    public async Task<KmsKey> GetOrCreateAsync(CallContext call, string account, string region, string aliasName, CancellationToken ct)
    {
        var keyId = Guid.NewGuid().ToString("D");
        var arn = KmsKey.BuildArn(region, account, keyId);
        var policy = AwsManagedKeys.Policy(aliasName, Partition.ForRegion(region), account, region);
        var key = new KmsKey(
            arn, keyId, account, region,
            DateTimeOffset.FromUnixTimeMilliseconds(time.GetUtcNow().ToUnixTimeMilliseconds()),
            AwsManagedKeys.Description(aliasName),
            KeyState.Enabled, KeyUsageType.EncryptDecrypt, KeySpec.SymmetricDefault, OriginType.AwsKms, KeyManagerType.Aws,
            DeletionDate: null, CurrentMaterialId: null)
        {
            KeyPolicy = PolicyDocument.Parse(policy),
        };

        // INVARIANT: no side effect before authorization. DescribeKey authorizes again on the stored key, with the
        // same policy and so the same answer; here the key does not exist yet, so nothing may be written for a
        // caller (another account's, say) that its policy refuses.
        await authz.DemandAsync(call, "DescribeKey", key, encryptionContext: null, Authorizer.RequestAlias(aliasName), ct);

        var backingKey = hsa.GenerateBackingKey(arn);
        key = key with { CurrentMaterialId = backingKey.MaterialId };
        try
        {
            // AWS rotates AWS managed keys every year; their policy allows no change to that.
            await store.CreateAsync(new NewKey(key, policy, [backingKey], [], [aliasName], RotationPeriodInDays: 365), null, ct);
            return key;
        }
        catch (DbUpdateException)
        {
            // Someone created it first (the alias is the primary key that decides): use theirs.
            store.InvalidateAlias(account, region, aliasName);
            var target = await store.FindAliasTargetAsync(account, region, aliasName, ct);
            return (target is null ? null : await store.FindAsync(target, ct))
                ?? throw new KMSInternalException("The AWS managed key could not be created.");
        }
    }
}
