using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Errors;

namespace KmsService.Core.Auth;

/// <summary>Verifies an AWS Signature Version 4 request against the caller's secret access key.</summary>
/// <remarks>Thread-safe; keep one instance per process so derived signing keys are reused.</remarks>
public sealed class SigV4Verifier
{
    /// <summary>Bound on cached signing keys; the cache is emptied when full (keys are per day, so it refills quickly).</summary>
    internal const int MaxCachedSigningKeys = 1024;

    internal const string SignatureMismatch =
        "The request signature we calculated does not match the signature you provided. "
        + "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

    internal const string ContentSha256Mismatch =
        "The provided 'x-amz-content-sha256' header does not match what was computed.";

    private const string Terminator = "aws4_request";

    // WIRE.md §7.6: ±5 minutes. The .NET SDK parses the skew message to correct its clock.
    private static readonly TimeSpan MaxSkew = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<SigningKeyId, byte[]> _signingKeys = new();

    // Cache keys hold a salted hash of the secret, never the secret.
    private readonly byte[] _fingerprintSalt = RandomNumberGenerator.GetBytes(16);

    /// <summary>Creates a verifier that reads the time from <paramref name="time"/>.</summary>
    public SigV4Verifier(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
    }

    /// <summary>Number of signing keys currently cached (for tests).</summary>
    internal int CachedSigningKeyCount => _signingKeys.Count;

    /// <summary>
    /// Checks the request time, the credential scope, and the signature. Returns normally only when the request
    /// was signed with <paramref name="secretAccessKey"/> for <paramref name="expectedService"/>.
    /// </summary>
    /// <param name="request">The request as received.</param>
    /// <param name="authorization">The parsed header, from <see cref="SigV4Parser.Parse"/>.</param>
    /// <param name="secretAccessKey">Secret of <see cref="SigV4Authorization.AccessKeyId"/>.</param>
    /// <param name="expectedService">Signing name the scope must carry, e.g. <c>kms</c>.</param>
    /// <param name="expectedRegion">Region the scope must carry; null accepts the client's region.</param>
    /// <exception cref="InvalidSignatureException">Clock skew, wrong scope, unsigned host, payload hash or signature mismatch.</exception>
    public void Verify(
        SigV4Request request,
        SigV4Authorization authorization,
        string secretAccessKey,
        string expectedService,
        string? expectedRegion = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(authorization);
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        ArgumentNullException.ThrowIfNull(expectedService);

        // Same order as AWS: time, host, scope, then the signature itself.
        CheckClock(authorization);
        CheckHostSigned(authorization);
        CheckScope(authorization, expectedService, expectedRegion);
        CheckSignature(request, authorization, secretAccessKey);
    }

    private void CheckClock(SigV4Authorization auth)
    {
        var utcNow = _time.GetUtcNow();
        var now = new DateTimeOffset(utcNow.UtcTicks - (utcNow.UtcTicks % TimeSpan.TicksPerSecond), TimeSpan.Zero);
        var requestTime = auth.RequestTime;
        if (requestTime < now - MaxSkew)
        {
            throw new InvalidSignatureException(
                $"Signature expired: {auth.AmzDate} is now earlier than {Iso(now - MaxSkew)} ({Iso(now)} - 5 min.)");
        }

        if (requestTime > now + MaxSkew)
        {
            throw new InvalidSignatureException(
                $"Signature not yet current: {auth.AmzDate} is still later than {Iso(now + MaxSkew)} ({Iso(now)} + 5 min.)");
        }
    }

    private static void CheckHostSigned(SigV4Authorization auth)
    {
        var signed = auth.SignedHeaders;
        for (var i = 0; i < signed.Count; i++)
        {
            if (string.Equals(signed[i], "host", StringComparison.OrdinalIgnoreCase))
            {
                return;
            }
        }

        throw new InvalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
    }

    private static void CheckScope(SigV4Authorization auth, string expectedService, string? expectedRegion)
    {
        var regionOk = auth.Region.Length != 0 && (expectedRegion is null || auth.Region == expectedRegion);
        var serviceOk = auth.Service == expectedService;
        var terminatorOk = auth.Terminator == Terminator;
        var dateOk = auth.Date.Length == 8 && auth.AmzDate.AsSpan(0, 8).SequenceEqual(auth.Date);
        if (regionOk && serviceOk && terminatorOk && dateOk)
        {
            return;
        }

        // AWS reports every scope error at once, each sentence ending ". " except the date one.
        var message = new StringBuilder();
        if (!regionOk)
        {
            message.Append(CultureInfo.InvariantCulture, $"Credential should be scoped to a valid region, not '{SigV4Parser.Excerpt(auth.Region, 64)}'. ");
        }

        if (!serviceOk)
        {
            message.Append(CultureInfo.InvariantCulture, $"Credential should be scoped to correct service: '{expectedService}'. ");
        }

        if (!terminatorOk)
        {
            message.Append(CultureInfo.InvariantCulture, $"Credential should be scoped with a valid terminator: '{Terminator}', not '{SigV4Parser.Excerpt(auth.Terminator, 64)}'. ");
        }

        if (!dateOk)
        {
            message.Append(
                CultureInfo.InvariantCulture,
                $"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{SigV4Parser.Excerpt(auth.Date, 64)}' != '{auth.AmzDate[..8]}', from '{auth.AmzDate}'.");
        }

        throw new InvalidSignatureException(message.ToString());
    }

    private void CheckSignature(SigV4Request request, SigV4Authorization auth, string secret)
    {
        Span<byte> bodyHash = stackalloc byte[32];
        Span<char> bodyHex = stackalloc char[64];
        Span<byte> canonicalHash = stackalloc byte[32];
        Span<byte> computed = stackalloc byte[32];
        Span<byte> provided = stackalloc byte[32];

        SHA256.HashData(request.Body.Span, bodyHash);
        Convert.TryToHexStringLower(bodyHash, bodyHex, out _);

        // With x-amz-content-sha256 the client signs that value, so it must also be the real body hash.
        var declared = request.FirstHeader("x-amz-content-sha256")?.Trim();

        var w = new PooledUtf8Buffer(1024);
        try
        {
            SigV4Canonical.WriteCanonicalRequest(ref w, request, auth, declared ?? (ReadOnlySpan<char>)bodyHex);
            SHA256.HashData(w.Written, canonicalHash);
            w.Length = 0;
            SigV4Canonical.WriteStringToSign(ref w, auth, canonicalHash);
            HMACSHA256.HashData(SigningKey(auth, secret), w.Written, computed);
        }
        finally
        {
            w.Dispose();
        }

        var wellFormed = auth.Signature.Length == 64
            && Convert.FromHexString(auth.Signature, provided, out _, out var written) == OperationStatus.Done
            && written == 32;
        var matches = CryptographicOperations.FixedTimeEquals(computed, provided);
        CryptographicOperations.ZeroMemory(computed);
        if (!(wellFormed & matches))
        {
            throw new InvalidSignatureException(SignatureMismatch);
        }

        if (declared is not null && !declared.AsSpan().Equals(bodyHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSignatureException(ContentSha256Mismatch);
        }
    }

    /// <summary>kSigning for the request's scope, from the cache or derived (WIRE.md §7.5).</summary>
    private byte[] SigningKey(SigV4Authorization auth, string secret)
    {
        Span<byte> fingerprint = stackalloc byte[32];
        Fingerprint(secret, fingerprint);
        var id = new SigningKeyId(
            auth.AccessKeyId,
            auth.Date,
            auth.Region,
            auth.Service,
            BinaryPrimitives.ReadUInt128LittleEndian(fingerprint),
            BinaryPrimitives.ReadUInt128LittleEndian(fingerprint[16..]));
        if (_signingKeys.TryGetValue(id, out var key))
        {
            return key;
        }

        key = DeriveSigningKey(secret, auth.Date, auth.Region, auth.Service);
        if (_signingKeys.Count >= MaxCachedSigningKeys)
        {
            _signingKeys.Clear();
        }

        _signingKeys.TryAdd(id, key);
        return key;
    }

    /// <summary>SHA-256(salt || UTF-8 secret): tells secrets apart in cache keys without keeping them.</summary>
    private void Fingerprint(string secret, Span<byte> destination)
    {
        var length = _fingerprintSalt.Length + Encoding.UTF8.GetByteCount(secret);
        byte[]? rented = null;
        var buffer = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            _fingerprintSalt.CopyTo(buffer);
            Encoding.UTF8.GetBytes(secret, buffer[_fingerprintSalt.Length..]);
            SHA256.HashData(buffer[..length], destination);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(buffer[..length]);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>kDate = HMAC("AWS4" + secret, date); kRegion; kService; kSigning = HMAC(kService, "aws4_request").</summary>
    internal static byte[] DeriveSigningKey(string secret, string date, string region, string service)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        var prefixed = "AWS4".Length + Encoding.UTF8.GetByteCount(secret);
        byte[]? rented = null;
        var kSecret = prefixed <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(prefixed));
        try
        {
            "AWS4"u8.CopyTo(kSecret);
            Encoding.UTF8.GetBytes(secret, kSecret[4..]);
            HmacOfText(kSecret[..prefixed], date, a);
            HmacOfText(a, region, b);
            HmacOfText(b, service, a);
            HmacOfText(a, Terminator, b);
            return b.ToArray();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(kSecret[..prefixed]);
            CryptographicOperations.ZeroMemory(a);
            CryptographicOperations.ZeroMemory(b);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    /// <summary>HMAC-SHA256 of the UTF-8 of <paramref name="text"/>.</summary>
    private static void HmacOfText(ReadOnlySpan<byte> key, string text, Span<byte> destination)
    {
        var length = Encoding.UTF8.GetByteCount(text);
        byte[]? rented = null;
        var buffer = length <= 256 ? stackalloc byte[256] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            Encoding.UTF8.GetBytes(text, buffer);
            HMACSHA256.HashData(key, buffer[..length], destination);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static string Iso(DateTimeOffset time) =>
        time.UtcDateTime.ToString(SigV4Parser.IsoBasicFormat, CultureInfo.InvariantCulture);

    private readonly record struct SigningKeyId(
        string AccessKeyId, string Date, string Region, string Service, UInt128 SecretHashLow, UInt128 SecretHashHigh);
}
