using KmsService.Core.Crypto;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;
using KmsService.Storage;

namespace KmsService.Operations;

/// <summary>Finds the symmetric key a ciphertext blob was made under; authorizing its use is the operation's.</summary>
internal sealed class CiphertextOpener(KeyStore store)
{
    /// <summary>The key and header of <paramref name="blob"/>. A blob that names no symmetric key of the caller's region
    /// is an InvalidCiphertextException, as any tampered byte must be; so is a raw asymmetric ciphertext, which names no
    /// key at all (Decrypt must be told its KeyId).</summary>
    public async Task<(KmsKey Key, CiphertextHeader Header)> FindKeyAsync(byte[] blob, CallContext call, CancellationToken ct)
    {
        if (!CiphertextBlob.TryReadHeader(blob, out var header))
        {
            throw new InvalidCiphertextException();
        }

        // A multi-Region key's blob names the key of the region that made it; in another region the related key of
        // the caller's region opens it (same key id and material).
        var key = await store.FindAsync(InCallerRegion(header.KeyArn, call), ct);

        // Only symmetric keys make ciphertext blobs: a blob naming another kind of key was forged.
        if (key is null || key.Region != call.Region || key.KeySpec != KeySpec.SymmetricDefault)
        {
            throw new InvalidCiphertextException();
        }

        call.UsedKey(key.Arn);
        return (key, header);
    }

    private static string InCallerRegion(string keyArn, CallContext call)
    {
        var id = KeyIdentifier.Parse(keyArn);
        if (id.Kind != KeyIdentifierKind.KeyArn || id.Region == call.Region || id.Partition != call.Partition
            || !MultiRegionKeys.IsMultiRegionKeyId(id.Name))
        {
            return keyArn;
        }

        return KmsKey.BuildArn(call.Partition, call.Region, id.Account!, id.Name);
    }
}
