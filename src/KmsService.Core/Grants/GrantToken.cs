using System.Buffers;
using System.Security.Cryptography;

namespace KmsService.Core.Grants;

/// <summary>
/// Grant ids and grant tokens. A grant id is 64 lowercase hex characters (32 random bytes), as on AWS. A grant token
/// is a non-secret, base64 reference to a grant (KMS Developer Guide, "Grant token": "a unique, nonsecret,
/// variable-length, base64-encoded string that represents a grant"): a format version, the grant id and 32 random bytes,
/// so every CreateGrant call returns a different token and all tokens of one grant are interchangeable. Grants here are
/// consistent as soon as CreateGrant returns, so a token is never needed to use a grant, only to name one (RetireGrant).
/// </summary>
public static class GrantToken
{
    private const byte Version = 1;
    private const int IdBytes = 32;
    private const int TokenBytes = 1 + IdBytes + 32;

    /// <summary>A new random grant id.</summary>
    public static string NewGrantId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));

    /// <summary>A new token for the grant <paramref name="grantId"/> (an id made by <see cref="NewGrantId"/>).</summary>
    public static string Issue(string grantId)
    {
        ArgumentNullException.ThrowIfNull(grantId);
        Span<byte> token = stackalloc byte[TokenBytes];
        token[0] = Version;
        if (Convert.FromHexString(grantId, token.Slice(1, IdBytes), out _, out var written) != OperationStatus.Done || written != IdBytes)
        {
            throw new ArgumentException("Not a grant id.", nameof(grantId));
        }

        RandomNumberGenerator.Fill(token[(1 + IdBytes)..]);
        return Convert.ToBase64String(token);
    }

    /// <summary>Reads the grant id a token names; false for anything this service did not issue.</summary>
    public static bool TryRead(string token, out string grantId)
    {
        Span<byte> bytes = stackalloc byte[TokenBytes + 3];
        if (!TryDecode(token, bytes))
        {
            grantId = "";
            return false;
        }

        grantId = Convert.ToHexStringLower(bytes.Slice(1, IdBytes));
        return true;
    }

    /// <summary>Whether a token is well formed (one this service issued, whether or not its grant still exists).
    /// Allocation-free.</summary>
    public static bool IsWellFormed(string token)
    {
        Span<byte> bytes = stackalloc byte[TokenBytes + 3];
        return TryDecode(token, bytes);
    }

    private static bool TryDecode(string? token, Span<byte> bytes) =>
        token is not null
        && Convert.TryFromBase64String(token, bytes, out var written)
        && written == TokenBytes
        && bytes[0] == Version;
}
