using KmsService.Audit.Records;
using KmsService.Core.Crypto;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>What Sign and Verify share once their members are valid: finding the key, demanding the action with the
/// signing condition keys, the key-state/usage/algorithm/message rules and DryRun in AWS's order, then the key's
/// backing key for the HSA; and their CloudTrail requestParameters.</summary>
internal sealed class SigningKeys(KeyResolver keys, Authorizer authz, KeyStore store)
{
    /// <summary>The key of a Sign or Verify request (<paramref name="operation"/>), authorized and checked, with its
    /// backing key and the request's algorithm and message type as enums.</summary>
    public async Task<(KmsKey Key, WrappedBackingKey BackingKey, SigningAlgorithmSpec Algorithm, MessageType MessageType)> FindAuthorizedAsync(
        string operation, string keyId, string signingAlgorithm, string? messageType, int messageLength, bool? dryRun, CallContext call, CancellationToken ct)
    {
        var algorithm = WireNames<SigningAlgorithmSpec>.Parse(signingAlgorithm);
        var type = WireNames<MessageType>.Parse(messageType ?? SigningRules.DefaultMessageType);

        var key = await keys.ResolveAsync(keyId, call, operation, ct);
        await authz.DemandAsync(
            call, operation, key, encryptionContext: null,
            Authorizer.Signing(keyId, signingAlgorithm, WireNames<MessageType>.Name(type)), ct);
        SigningRules.EnsureCanSign(key, operation, algorithm, type, messageLength);
        Common.ThrowIfDryRun(dryRun);

        return (key, await store.CurrentAsync(key, ct), algorithm, type);
    }

    /// <summary>ct-sign, ct-verify: requestParameters keyId, messageType (RAW also when the request names none),
    /// signingAlgorithm; no responseElements.</summary>
    public static AuditProjection Project(string? keyId, string? messageType, string? signingAlgorithm, bool? dryRun) =>
        new(new()
        {
            KeyId = keyId,
            MessageType = messageType ?? SigningRules.DefaultMessageType,
            SigningAlgorithm = signingAlgorithm,
            DryRun = dryRun,
        });
}
