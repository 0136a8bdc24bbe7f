using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>DisableKey: an Enabled key becomes Disabled; cryptographic operations then answer DisabledException.</summary>
internal sealed class DisableKeyOperation(KeyResolver keys, Authorizer authz, KeyStore store)
    : IKmsOperation<KeyIdRequest, EmptyResponse>
{
    public async Task<EmptyResponse> ExecuteAsync(KeyIdRequest req, CallContext call, CancellationToken ct)
    {
        new Validator().KeyId(req.KeyId, "keyId").ThrowIfAny();
        var key = await keys.ResolveKeyAsync(req.KeyId!, call, "DisableKey", ct);
        authz.Demand(call, "DisableKey", key);
        await store.UpdateAsync(key.Arn, k => k.Disable(), ct);
        return EmptyResponse.Instance;
    }
}
