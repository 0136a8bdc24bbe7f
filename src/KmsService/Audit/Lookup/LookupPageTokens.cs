using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Crypto;

namespace KmsService.Audit.Lookup;

/// <summary>Where a page of LookupEvents ended: the last event returned, in the order events are returned (time, then
/// chain sequence, both descending).</summary>
internal readonly record struct LookupCursor(long EventTimeMs, long Sequence);

/// <summary>
/// LookupEvents' NextToken: the cursor, authenticated together with the caller's account and every parameter of the
/// query except MaxResults (CloudTrail: "This token must be passed in with the same parameters that were specified in
/// the original call"). A token altered, made up, or passed with other parameters or by another account is
/// InvalidNextTokenException. The tag is the HSA's audit HMAC over a domain-separated message, so tokens hold across
/// restarts and instances of one store and cannot be forged without the root key.
/// </summary>
internal sealed class LookupPageTokens(IHsa hsa)
{
    private const byte Version = 1;
    private const int TagLength = 16;
    private const int PayloadLength = 1 + 8 + 8;

    // INVARIANT: no audit digest content starts with this prefix (digests start "KmsService audit digest v1\0"), so a
    // token's tag can never be a digest's signature, nor the other way round.
    private static ReadOnlySpan<byte> Domain => "KmsService lookup token v1\0"u8;

    public string Issue(string accountId, LookupQuery query, LookupCursor cursor)
    {
        var token = new byte[PayloadLength + TagLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1), cursor.EventTimeMs);
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(9), cursor.Sequence);
        Tag(accountId, query, token.AsSpan(0, PayloadLength)).AsSpan(0, TagLength).CopyTo(token.AsSpan(PayloadLength));
        return Convert.ToBase64String(token);
    }

    /// <exception cref="InvalidNextTokenException">The token is not one this service issued for this account and query.</exception>
    public LookupCursor Open(string accountId, LookupQuery query, string nextToken)
    {
        var token = new byte[PayloadLength + TagLength];
        if (nextToken.Length > 64 || !Convert.TryFromBase64String(nextToken, token, out var length)
            || length != token.Length || token[0] != Version)
        {
            throw new InvalidNextTokenException("The NextToken is not valid: pass the NextToken of the previous response unchanged.");
        }

        var expected = Tag(accountId, query, token.AsSpan(0, PayloadLength));
        if (!CryptographicOperations.FixedTimeEquals(expected.AsSpan(0, TagLength), token.AsSpan(PayloadLength)))
        {
            throw new InvalidNextTokenException("The NextToken is not valid for this request: pass it with the same parameters "
                + "as the request that returned it.");
        }

        return new LookupCursor(BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(1)), BinaryPrimitives.ReadInt64BigEndian(token.AsSpan(9)));
    }

    private byte[] Tag(string accountId, LookupQuery query, ReadOnlySpan<byte> payload)
    {
        using var message = new MemoryStream(128);
        message.Write(Domain);
        Field(message, accountId);
        Field(message, query.Key?.ToString());
        Field(message, query.Value);
        Field(message, query.From?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Field(message, query.Before?.Ticks.ToString(System.Globalization.CultureInfo.InvariantCulture));
        message.WriteByte(query.Insight ? (byte)1 : (byte)0);
        message.Write(payload);
        return hsa.SignAuditDigest(message.GetBuffer().AsSpan(0, (int)message.Length));
    }

    // Presence byte, 4-byte big-endian length, UTF-8: no two different field lists encode alike.
    private static void Field(MemoryStream message, string? value)
    {
        if (value is null)
        {
            message.WriteByte(0);
            return;
        }

        message.WriteByte(1);
        var bytes = Encoding.UTF8.GetBytes(value);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, bytes.Length);
        message.Write(length);
        message.Write(bytes);
    }
}
