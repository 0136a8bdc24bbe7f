using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Crypto;
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

    // [ThreadStatic] contexts: IncrementalHash is not thread-safe, and reusing one saves OpenSSL's per-call digest fetch.
    [ThreadStatic]
    private static IncrementalHash? _threadSha256;

    private readonly TimeProvider _time;

    // Signing keys live in KeyMaterial (pinned, zeroed when dropped); each entry keeps a salted hash of its secret, never the secret.
    private readonly ConcurrentDictionary<SigningKeyId, SigningKeyEntry> _signingKeys = new();
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
    /// <exception cref="InvalidSignatureException">
    /// Clock skew, an unsigned <c>host</c> or <c>x-amz-*</c> header, wrong scope (a region that is no region name
    /// included), payload hash or signature mismatch (a signed header missing from the request included).
    /// </exception>
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

        // Same order as AWS: time, required signed headers, scope, then the signature itself.
        CheckClock(authorization);
        CheckRequiredHeadersSigned(request, authorization);
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

    /// <summary>
    /// IAM User Guide, "Create a signed AWS API request": "You must include the host header (HTTP/1.1) or the
    /// :authority header (HTTP/2), and any x-amz-* headers in the signature." A header outside the signature can be
    /// changed in transit: with only host signed, a captured DescribeKey could be replayed with
    /// <c>X-Amz-Target: TrentService.DisableKey</c>.
    /// </summary>
    private static void CheckRequiredHeadersSigned(SigV4Request request, SigV4Authorization auth)
    {
        var signed = auth.SignedHeaders;
        if (!IsSigned(signed, "host"))
        {
            throw new InvalidSignatureException("'Host' must be a 'SignedHeader' in the AWS Authorization.");
        }

        // Kestrel presents HTTP/2's :authority as Host. Only the "x-amz-" prefix: "x-amzn-trace-id", which botocore
        // and the SDKs leave unsigned, is not an x-amz-* header.
        foreach (var header in request.Lines)
        {
            if (header.Key.StartsWith("x-amz-", StringComparison.OrdinalIgnoreCase) && !IsSigned(signed, header.Key))
            {
                // The name as the client sent it (X-Amz-Target from the SDKs), bounded like any echoed input.
                throw new InvalidSignatureException(
                    $"'{SigV4Parser.Excerpt(header.Key, 64)}' must be a 'SignedHeader' in the AWS Authorization.");
            }
        }
    }

    private static bool IsSigned(IReadOnlyList<string> signedHeaders, string name)
    {
        for (var i = 0; i < signedHeaders.Count; i++)
        {
            if (string.Equals(signedHeaders[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// For a request that is not verified (an unknown access key where the development fallback takes it): the scope's
    /// region still names the request's region, and so the ARNs the request creates, so it must be a region name.
    /// </summary>
    /// <exception cref="InvalidSignatureException">The region is no region of any partition.</exception>
    public static void CheckRegion(SigV4Authorization authorization)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        if (authorization.Partition is null)
        {
            throw new InvalidSignatureException(InvalidRegion(authorization.Region));
        }
    }

    private static string InvalidRegion(string region) =>
        $"Credential should be scoped to a valid region, not '{SigV4Parser.Excerpt(region, 64)}'. ";

    private static void CheckScope(SigV4Authorization auth, string expectedService, string? expectedRegion)
    {
        // A region must be a region name of some partition (the parser found which): it becomes part of every ARN the
        // request names.
        var regionOk = auth.Partition is not null && (expectedRegion is null || auth.Region == expectedRegion);
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
            message.Append(InvalidRegion(auth.Region));
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

        Sha256(request.Body.Span, bodyHash);
        Convert.TryToHexStringLower(bodyHash, bodyHex, out _);

        // With x-amz-content-sha256 the client signs that value, so it must also be the real body hash.
        var declared = request.FirstHeader("x-amz-content-sha256")?.Trim();
        bool complete;

        var w = new PooledUtf8Buffer(1024);
        try
        {
            // A header named in SignedHeaders but absent would canonicalize as "name:" (an empty value), so removing a
            // header signed empty would go unnoticed: an absent signed header fails the signature, whatever it computes.
            complete = SigV4Canonical.WriteCanonicalRequest(ref w, request, auth, declared ?? (ReadOnlySpan<char>)bodyHex);
            Sha256(w.Written, canonicalHash);
            w.Length = 0;
            SigV4Canonical.WriteStringToSign(ref w, auth, canonicalHash);
            var signingKey = AcquireSigningKey(auth, secret);
            try
            {
                signingKey.HmacSha256(w.Written, computed);
            }
            finally
            {
                signingKey.Release();
            }
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
        if (!(wellFormed & matches & complete))
        {
            throw new InvalidSignatureException(SignatureMismatch);
        }

        if (declared is not null && !declared.AsSpan().Equals(bodyHex, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidSignatureException(ContentSha256Mismatch);
        }
    }

    /// <summary>SHA-256 on this thread's reusable context (one-shot hashing looks the digest up in OpenSSL on every call).</summary>
    private static void Sha256(ReadOnlySpan<byte> data, Span<byte> destination)
    {
        var sha = _threadSha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        try
        {
            sha.AppendData(data);
            sha.GetHashAndReset(destination);
        }
        catch
        {
            // Never hash the next request on top of a half-finished one.
            _threadSha256 = null;
            sha.Dispose();
            throw;
        }
    }

    /// <summary>kSigning for the request's scope with one reference taken for the caller, from the cache or derived (WIRE.md §7.5).</summary>
    private KeyMaterial AcquireSigningKey(SigV4Authorization auth, string secret)
    {
        var id = new SigningKeyId(auth.AccessKeyId, auth.Date, auth.Region, auth.Service);
        if (_signingKeys.TryGetValue(id, out var cached) && cached.IsFor(secret, this) && cached.Key.TryAddRef())
        {
            return cached.Key;
        }

        Span<byte> fingerprint = stackalloc byte[32];
        Fingerprint(secret, fingerprint);
        var entry = new SigningKeyEntry(DeriveSigningKeyMaterial(secret, auth.Date, auth.Region, auth.Service), fingerprint, secret);

        // One reference for the caller; the creator reference goes to the cache, or is dropped if another thread's
        // entry got there first.
        entry.Key.TryAddRef();
        if (cached is not null && _signingKeys.TryRemove(new KeyValuePair<SigningKeyId, SigningKeyEntry>(id, cached)))
        {
            // The secret of this access key changed (or the cached key was being zeroed): replace the entry.
            cached.Key.Dispose();
        }

        if (_signingKeys.Count >= MaxCachedSigningKeys)
        {
            ClearSigningKeys();
        }

        if (!_signingKeys.TryAdd(id, entry))
        {
            entry.Key.Dispose();
        }

        return entry.Key;
    }

    private void ClearSigningKeys()
    {
        foreach (var pair in _signingKeys)
        {
            if (_signingKeys.TryRemove(pair))
            {
                pair.Value.Key.Dispose();
            }
        }
    }

    /// <summary>SHA-256(salt || UTF-8 secret): tells secrets apart without keeping them.</summary>
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

    /// <summary>kSigning as a byte array, for tests against AWS's published example.</summary>
    internal static byte[] DeriveSigningKey(string secret, string date, string region, string service)
    {
        using var key = DeriveSigningKeyMaterial(secret, date, region, service);
        return key.Span.ToArray();
    }

    /// <summary>kDate = HMAC("AWS4" + secret, date); kRegion; kService; kSigning = HMAC(kService, "aws4_request").</summary>
    private static KeyMaterial DeriveSigningKeyMaterial(string secret, string date, string region, string service)
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
            return KeyMaterial.CopyFrom(b);
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

    private readonly record struct SigningKeyId(string AccessKeyId, string Date, string Region, string Service);

    /// <summary>A cached kSigning and the fingerprint of the secret it was derived from (computed once, on derivation).</summary>
    private sealed class SigningKeyEntry
    {
        private readonly byte[] _secretFingerprint;

        // The secret string itself is not kept alive by the cache: while the caller's copy lives (the identity store
        // holds it), a reference check recognises it without hashing it on every request.
        private readonly WeakReference<string> _secret;

        public SigningKeyEntry(KeyMaterial key, ReadOnlySpan<byte> secretFingerprint, string secret)
        {
            Key = key;
            _secretFingerprint = secretFingerprint.ToArray();
            _secret = new WeakReference<string>(secret);
        }

        public KeyMaterial Key { get; }

        /// <summary>True when <paramref name="secret"/> is the secret this key was derived from.</summary>
        public bool IsFor(string secret, SigV4Verifier verifier)
        {
            if (_secret.TryGetTarget(out var known) && ReferenceEquals(known, secret))
            {
                return true;
            }

            Span<byte> fingerprint = stackalloc byte[32];
            verifier.Fingerprint(secret, fingerprint);
            return CryptographicOperations.FixedTimeEquals(fingerprint, _secretFingerprint);
        }
    }
}
