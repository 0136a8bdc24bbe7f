using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Crypto.Asymmetric;
using KmsService.Core.Errors;
using KmsService.Core.Keys;

namespace KmsService.Core.Crypto;

/// <summary>The software HSA: wraps backing keys under a 256-bit root key held in memory and encrypts with per-request derived keys.</summary>
/// <remarks>
/// Encrypt derives a fresh AES-256 key per request with NIST SP 800-108 counter-mode HMAC-SHA256 from the backing key
/// and a random 128-bit nonce, then seals with AES-256-GCM and a random 96-bit IV (see <see cref="CiphertextBlob"/>).
/// Unwrapped backing keys are cached for a bounded time so that the hot path does not unwrap on every call.
/// </remarks>
public sealed partial class SoftwareHsa : IHsa, IDisposable
{
    /// <summary>Length of root and backing keys in bytes (AES-256).</summary>
    public const int KeyLength = 32;

    private const byte WrapFormatVersion = 0x01;

    // Material of any length (key pairs as PKCS #8, HMAC keys): 0x02 | IV | ciphertext | tag, same associated data.
    private const byte WrapVariableFormatVersion = 0x02;

    // An RSA-4096 PKCS #8 key is about 2.4 KB; an imported ML-DSA-87 key in its expanded form about 4.9 KB.
    private const int MaxVariableMaterialLength = 16 * 1024;
    private const int WrapIvLength = 12;
    private const int WrapTagLength = 16;
    private const int WrappedLength = 1 + WrapIvLength + KeyLength + WrapTagLength;

    // Header (at most 317 bytes) plus a typical context fits on the stack; larger contexts rent from the pool.
    private const int StackAadLimit = 1024;

    // SP 800-108 fixed input of the per-request key: [i]_32 || label || 0x00 || nonce || [L]_32.
    private const int KdfInputLength = sizeof(uint) + 21 + 1 + CiphertextBlob.NonceLength + sizeof(uint);

    // Strict: a key ARN that is not valid Unicode must not be bound in a lossy form.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly KeyMaterial _root;
    private readonly BackingKeyCache _cache;
    private long _unwrapCount;
    private int _disposed;

    /// <summary>Creates the HSA over a 32-byte root key; the HSA takes ownership of <paramref name="rootKey"/> and disposes (zeroes) it when disposed.</summary>
    public SoftwareHsa(KeyMaterial rootKey, TimeProvider timeProvider, SoftwareHsaOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rootKey);
        ArgumentNullException.ThrowIfNull(timeProvider);
        options ??= new SoftwareHsaOptions();
        if (rootKey.Length != KeyLength)
        {
            throw new ArgumentException("The root key must be exactly 32 bytes.", nameof(rootKey));
        }

        _cache = new BackingKeyCache(timeProvider, options.CacheTimeToLive, options.MaxCachedKeys);
        _root = rootKey;
    }

    /// <summary>How many times a backing key was unwrapped under the root key (cache misses).</summary>
    internal long UnwrapCount => Interlocked.Read(ref _unwrapCount);

    internal BackingKeyCache Cache => _cache;

    // A label no other use of the root key MACs: the root key only ever wraps (AES-GCM) otherwise.
    private static ReadOnlySpan<byte> RootKeyCheckLabel => "KmsService root key check v1"u8;

    // The SP 800-108 label of the audit signing key (see DeriveAuditKey).
    private static ReadOnlySpan<byte> AuditDigestLabel => "KmsService audit digest v1"u8;

    // The SP 800-108 label of the key that wraps access-key secrets (see WrapAccessKeySecret).
    private static ReadOnlySpan<byte> AccessKeySecretLabel => "KmsService access key secret v1"u8;

    // INVARIANT: KdfInputLength counts these 21 bytes.
    private static ReadOnlySpan<byte> KdfLabel => "KmsService encrypt v1"u8;

    /// <inheritdoc />
    public WrappedBackingKey GenerateBackingKey(string keyArn)
    {
        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        Span<byte> iv = stackalloc byte[WrapIvLength];
        RandomNumberGenerator.Fill(iv);
        using var material = KeyMaterial.Generate(KeyLength);
        return Wrap(keyArn, material.Span, iv);
    }

    /// <inheritdoc />
    public WrappedBackingKey ImportBackingKey(string keyArn, ReadOnlySpan<byte> material)
    {
        Span<byte> iv = stackalloc byte[WrapIvLength];
        RandomNumberGenerator.Fill(iv);
        return ImportBackingKey(keyArn, material, iv);
    }

    /// <summary>Test seam: <see cref="ImportBackingKey(string, ReadOnlySpan{byte})"/> with a fixed wrapping IV.</summary>
    internal WrappedBackingKey ImportBackingKey(string keyArn, ReadOnlySpan<byte> material, ReadOnlySpan<byte> wrapIv)
    {
        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        if (material.Length != KeyLength)
        {
            throw new ArgumentException("Imported key material must be exactly 32 bytes.", nameof(material));
        }

        ArgumentOutOfRangeException.ThrowIfNotEqual(wrapIv.Length, WrapIvLength, nameof(wrapIv));
        return Wrap(keyArn, material, wrapIv);
    }

    /// <inheritdoc />
    public WrappedBackingKey GenerateBackingKey(string keyArn, KeySpec spec)
    {
        if (spec == KeySpec.SymmetricDefault)
        {
            return GenerateBackingKey(keyArn);
        }

        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        var material = KeySchemes.For(spec).Generate(spec);
        try
        {
            return WrapVariable(keyArn, material);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(material);
        }
    }

    /// <inheritdoc />
    public WrappedBackingKey ImportBackingKey(string keyArn, KeySpec spec, ReadOnlySpan<byte> material)
    {
        if (spec == KeySpec.SymmetricDefault)
        {
            return ImportBackingKey(keyArn, material);
        }

        ThrowIfDisposed();
        ValidateKeyArn(keyArn);
        if (material.IsEmpty || material.Length > MaxVariableMaterialLength)
        {
            throw new ArgumentException($"Key material must be 1 to {MaxVariableMaterialLength} bytes.", nameof(material));
        }

        try
        {
            KeySchemes.For(spec).Validate(spec, material);
        }
        catch (CryptographicException e)
        {
            throw new ArgumentException($"The key material is not a {WireNames<KeySpec>.Name(spec)} private key.", nameof(material), e);
        }

        return WrapVariable(keyArn, material);
    }

    /// <inheritdoc />
    public WrappedBackingKey RewrapBackingKey(string sourceKeyArn, WrappedBackingKey backingKey, string targetKeyArn)
    {
        ThrowIfDisposed();
        ValidateKeyArn(sourceKeyArn);
        ValidateKeyArn(targetKeyArn);
        if (!MultiRegionKeys.AreRelated(sourceKeyArn, targetKeyArn))
        {
            throw new ArgumentException("Backing keys are re-wrapped only for a related multi-Region key.", nameof(targetKeyArn));
        }

        using var material = Unwrap(sourceKeyArn, backingKey);
        if (backingKey.Wrapped[0] == WrapVariableFormatVersion)
        {
            return WrapVariable(targetKeyArn, material.Span);
        }

        Span<byte> iv = stackalloc byte[WrapIvLength];
        RandomNumberGenerator.Fill(iv);
        return Wrap(targetKeyArn, material.Span, iv);
    }

    /// <inheritdoc />
    public byte[] GetPublicKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey) =>
        WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).PublicKey(spec, m.Span));

    /// <inheritdoc />
    public byte[] Sign(string keyArn, KeySpec spec, WrappedBackingKey backingKey, SigningAlgorithmSpec algorithm, MessageType messageType, ReadOnlySpan<byte> message)
    {
        var copy = message.ToArray();
        return WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).Sign(spec, m.Span, algorithm, messageType, copy));
    }

    /// <inheritdoc />
    public bool Verify(
        string keyArn,
        KeySpec spec,
        WrappedBackingKey backingKey,
        SigningAlgorithmSpec algorithm,
        MessageType messageType,
        ReadOnlySpan<byte> message,
        ReadOnlySpan<byte> signature)
    {
        var copy = message.ToArray();
        var sig = signature.ToArray();
        return WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).Verify(spec, m.Span, algorithm, messageType, copy, sig));
    }

    /// <inheritdoc />
    public byte[] EncryptWithPublicKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> plaintext)
    {
        var copy = plaintext.ToArray();
        try
        {
            return WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).Encrypt(spec, m.Span, algorithm, copy));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }
    }

    /// <inheritdoc />
    public byte[] DecryptWithPrivateKey(string keyArn, KeySpec spec, WrappedBackingKey backingKey, EncryptionAlgorithmSpec algorithm, ReadOnlySpan<byte> ciphertext)
    {
        var copy = ciphertext.ToArray();
        return WithMaterial(keyArn, backingKey, m =>
            KeySchemes.For(spec).TryDecrypt(spec, m.Span, algorithm, copy, out var plaintext)
                ? plaintext
                : throw new InvalidCiphertextException());
    }

    /// <inheritdoc />
    public byte[] GenerateMac(string keyArn, KeySpec spec, WrappedBackingKey backingKey, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message)
    {
        var copy = message.ToArray();
        return WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).Mac(spec, m.Span, algorithm, copy));
    }

    /// <inheritdoc />
    public bool VerifyMac(string keyArn, KeySpec spec, WrappedBackingKey backingKey, MacAlgorithmSpec algorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> mac)
    {
        var expected = GenerateMac(keyArn, spec, backingKey, algorithm, message);
        return CryptographicOperations.FixedTimeEquals(expected, mac);
    }

    /// <inheritdoc />
    public byte[] DeriveSharedSecret(string keyArn, KeySpec spec, WrappedBackingKey backingKey, ReadOnlySpan<byte> peerPublicKey)
    {
        var copy = peerPublicKey.ToArray();
        return WithMaterial(keyArn, backingKey, m => KeySchemes.For(spec).DeriveSharedSecret(spec, m.Span, copy));
    }

    /// <inheritdoc />
    public (byte[] PrivateKey, byte[] PublicKey) GenerateDataKeyPair(DataKeyPairSpec spec)
    {
        ThrowIfDisposed();
        var keySpec = KeySpecs.Of(spec);
        var scheme = KeySchemes.For(keySpec);
        var privateKey = scheme.Generate(keySpec);
        try
        {
            return (privateKey, scheme.PublicKey(keySpec, privateKey));
        }
        catch
        {
            CryptographicOperations.ZeroMemory(privateKey);
            throw;
        }
    }

    /// <summary>Runs <paramref name="use"/> on the unwrapped material of a backing key, holding one reference to it.</summary>
    private T WithMaterial<T>(string keyArn, WrappedBackingKey backingKey, Func<KeyMaterial, T> use)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(backingKey);
        var material = AcquireBackingKey(keyArn, backingKey);
        try
        {
            return use(material);
        }
        finally
        {
            material.Release();
        }
    }

    /// <inheritdoc />
    public byte[] Encrypt(string keyArn, WrappedBackingKey backingKey, ReadOnlySpan<byte> plaintext, EncryptionContext context) =>
        EncryptCore(keyArn, backingKey, plaintext, context, nonce: default, iv: default);

    /// <summary>Test seam: <see cref="Encrypt(string, WrappedBackingKey, ReadOnlySpan{byte}, EncryptionContext)"/> with a fixed nonce and IV.</summary>
    internal byte[] Encrypt(
        string keyArn,
        WrappedBackingKey backingKey,
        ReadOnlySpan<byte> plaintext,
        EncryptionContext context,
        ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> iv)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(nonce.Length, CiphertextBlob.NonceLength, nameof(nonce));
        ArgumentOutOfRangeException.ThrowIfNotEqual(iv.Length, CiphertextBlob.IvLength, nameof(iv));
        return EncryptCore(keyArn, backingKey, plaintext, context, nonce, iv);
    }

    /// <summary>Encrypts with the given nonce and IV, or with fresh random ones when both are empty.</summary>
    private byte[] EncryptCore(
        string keyArn,
        WrappedBackingKey backingKey,
        ReadOnlySpan<byte> plaintext,
        EncryptionContext context,
        ReadOnlySpan<byte> nonce,
        ReadOnlySpan<byte> iv)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(backingKey);
        ArgumentNullException.ThrowIfNull(context);
        var arnLength = ValidateKeyArn(keyArn);
        if (plaintext.Length > CiphertextBlob.MaxPlaintextLength)
        {
            throw new ArgumentException("The plaintext must be at most 4096 bytes.", nameof(plaintext));
        }

        var layout = new BlobLayout(arnLength);
        var blob = new byte[layout.HeaderLength + plaintext.Length + CiphertextBlob.TagLength];
        blob[0] = CiphertextBlob.FormatVersion;
        blob[1] = (byte)arnLength;
        StrictUtf8.GetBytes(keyArn, blob.AsSpan(BlobLayout.ArnOffset, arnLength));
        if (!KeyMaterialId.TryDecode(backingKey.MaterialId, blob.AsSpan(layout.MaterialIdOffset, KeyMaterialId.ByteLength)))
        {
            throw new ArgumentException("The backing key's material id is malformed.", nameof(backingKey));
        }

        if (nonce.IsEmpty)
        {
            // Nonce and IV are adjacent in the header: one draw fills both in place. Both are public (they travel in
            // the blob), so they may come from the block-buffered generator.
            PublicRandom.Fill(blob.AsSpan(layout.NonceOffset, CiphertextBlob.NonceLength + CiphertextBlob.IvLength));
        }
        else
        {
            nonce.CopyTo(blob.AsSpan(layout.NonceOffset));
            iv.CopyTo(blob.AsSpan(layout.IvOffset));
        }

        var material = AcquireSymmetricBackingKey(keyArn, backingKey);
        try
        {
            Seal(material, blob, layout, plaintext, context);
        }
        finally
        {
            material.Release();
        }

        return blob;
    }

    /// <inheritdoc />
    public byte[] Decrypt(string keyArn, WrappedBackingKey backingKey, ReadOnlySpan<byte> blob, EncryptionContext context)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(keyArn);
        ArgumentNullException.ThrowIfNull(backingKey);
        ArgumentNullException.ThrowIfNull(context);

        if (!CiphertextBlob.TryGetLayout(blob, out var layout, out var ciphertextLength)
            || !HeaderNames(blob, layout, keyArn, backingKey.MaterialId))
        {
            throw new InvalidCiphertextException();
        }

        var plaintext = new byte[ciphertextLength];
        var material = AcquireSymmetricBackingKey(keyArn, backingKey);
        try
        {
            if (!TryOpen(material, blob, layout, plaintext, context))
            {
                throw new InvalidCiphertextException();
            }
        }
        finally
        {
            material.Release();
        }

        return plaintext;
    }

    /// <inheritdoc />
    public void Evict(string keyArn)
    {
        ArgumentNullException.ThrowIfNull(keyArn);
        _cache.Evict(keyArn);
    }

    /// <summary>Zeroes every cached backing key and the root key (each once no running operation still uses it).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _cache.Dispose();
            _root.Dispose();
        }
    }

    private static void Seal(
        KeyMaterial backingKey,
        Span<byte> blob,
        BlobLayout layout,
        ReadOnlySpan<byte> plaintext,
        EncryptionContext context)
    {
        var ciphertext = blob.Slice(layout.HeaderLength, plaintext.Length);
        var tag = blob[^CiphertextBlob.TagLength..];
        Span<byte> key = stackalloc byte[KeyLength];
        byte[]? rented = null;
        var aadLength = layout.HeaderLength + context.Canonical.Length;
        var aad = aadLength <= StackAadLimit
            ? stackalloc byte[StackAadLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(aadLength));
        try
        {
            WriteAad(blob[..layout.HeaderLength], context, aad);
            DeriveKey(backingKey, blob.Slice(layout.NonceOffset, CiphertextBlob.NonceLength), key);
            using var aes = new AesGcm(key, CiphertextBlob.TagLength);
            aes.Encrypt(blob.Slice(layout.IvOffset, CiphertextBlob.IvLength), plaintext, ciphertext, tag, aad[..aadLength]);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool TryOpen(
        KeyMaterial backingKey,
        ReadOnlySpan<byte> blob,
        BlobLayout layout,
        Span<byte> plaintext,
        EncryptionContext context)
    {
        var ciphertext = blob.Slice(layout.HeaderLength, plaintext.Length);
        var tag = blob[^CiphertextBlob.TagLength..];
        Span<byte> key = stackalloc byte[KeyLength];
        byte[]? rented = null;
        var aadLength = layout.HeaderLength + context.Canonical.Length;
        var aad = aadLength <= StackAadLimit
            ? stackalloc byte[StackAadLimit]
            : (rented = ArrayPool<byte>.Shared.Rent(aadLength));
        try
        {
            WriteAad(blob[..layout.HeaderLength], context, aad);
            DeriveKey(backingKey, blob.Slice(layout.NonceOffset, CiphertextBlob.NonceLength), key);
            using var aes = new AesGcm(key, CiphertextBlob.TagLength);
            aes.Decrypt(blob.Slice(layout.IvOffset, CiphertextBlob.IvLength), ciphertext, tag, plaintext, aad[..aadLength]);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm has already cleared the output; clear it again so the invariant does not rest on that.
            CryptographicOperations.ZeroMemory(plaintext);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    // AAD = every header byte (version through IV) || canonical encryption context.
    private static void WriteAad(ReadOnlySpan<byte> header, EncryptionContext context, Span<byte> aad)
    {
        header.CopyTo(aad);
        context.Canonical.CopyTo(aad[header.Length..]);
    }

    // NIST SP 800-108 §4.1 counter mode, PRF HMAC-SHA256: K = PRF(backing key, [1]_32 || label || 0x00 || nonce || [256]_32).
    // A 256-bit key is one PRF block, so this is one HMAC: byte for byte what SP800108HmacCounterKdf.DeriveBytes
    // gives for this label and context (tests check both ways), but under a context keyed once per cached backing key
    // instead of re-keying HMAC on every request.
    private static void DeriveKey(KeyMaterial backingKey, ReadOnlySpan<byte> nonce, Span<byte> key)
    {
        Span<byte> fixedInput = stackalloc byte[KdfInputLength];
        BinaryPrimitives.WriteUInt32BigEndian(fixedInput, 1);
        KdfLabel.CopyTo(fixedInput[sizeof(uint)..]);
        fixedInput[sizeof(uint) + KdfLabel.Length] = 0x00;
        nonce.CopyTo(fixedInput[(sizeof(uint) + KdfLabel.Length + 1)..]);
        BinaryPrimitives.WriteUInt32BigEndian(fixedInput[^sizeof(uint)..], KeyLength * 8);
        backingKey.HmacSha256(fixedInput, key);
    }

    private static bool HeaderNames(ReadOnlySpan<byte> blob, BlobLayout layout, string keyArn, string materialId)
    {
        Span<byte> arn = stackalloc byte[CiphertextBlob.MaxKeyArnLength];
        Span<byte> id = stackalloc byte[KeyMaterialId.ByteLength];
        return TryEncodeKeyArn(keyArn, arn, out var arnLength)
            && (blob.Slice(BlobLayout.ArnOffset, layout.ArnLength).SequenceEqual(arn[..arnLength])
                || NamesRelatedMultiRegionKey(blob.Slice(BlobLayout.ArnOffset, layout.ArnLength), keyArn))
            && KeyMaterialId.TryDecode(materialId, id)
            && blob.Slice(layout.MaterialIdOffset, KeyMaterialId.ByteLength).SequenceEqual(id);
    }

    // A multi-Region key's ciphertext names the key in the region that made it; its related keys in other regions hold
    // the same material, so the blob is theirs too (AWS Developer Guide, "Multi-Region keys in AWS KMS").
    private static bool NamesRelatedMultiRegionKey(ReadOnlySpan<byte> headerArn, string keyArn)
    {
        if (!StrictUtf8TryGetString(headerArn, out var named))
        {
            return false;
        }

        return MultiRegionKeys.AreRelated(named, keyArn);
    }

    private static bool StrictUtf8TryGetString(ReadOnlySpan<byte> bytes, [NotNullWhen(true)] out string? value)
    {
        try
        {
            value = StrictUtf8.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            value = null;
            return false;
        }
    }

    private static bool TryEncodeKeyArn(string keyArn, Span<byte> destination, out int length)
    {
        try
        {
            return StrictUtf8.TryGetBytes(keyArn, destination, out length);
        }
        catch (EncoderFallbackException)
        {
            length = 0;
            return false;
        }
    }

    private static int ValidateKeyArn(string keyArn)
    {
        ArgumentException.ThrowIfNullOrEmpty(keyArn);
        Span<byte> scratch = stackalloc byte[CiphertextBlob.MaxKeyArnLength];
        if (!TryEncodeKeyArn(keyArn, scratch, out var length))
        {
            throw new ArgumentException("The key ARN must be valid Unicode of at most 255 UTF-8 bytes.", nameof(keyArn));
        }

        return length;
    }

    // Wrapped key AAD: [len]_32 || UTF-8 key ARN || [len]_32 || ASCII material id.
    private static int WriteWrapAad(string keyArn, string materialId, Span<byte> aad)
    {
        var arnLength = StrictUtf8.GetBytes(keyArn, aad[sizeof(int)..]);
        BinaryPrimitives.WriteInt32BigEndian(aad, arnLength);
        var offset = sizeof(int) + arnLength;
        BinaryPrimitives.WriteInt32BigEndian(aad[offset..], materialId.Length);
        offset += sizeof(int);
        offset += Encoding.ASCII.GetBytes(materialId, aad[offset..]);
        return offset;
    }

    // Variable-length wrapped key AAD: 0x02 || the AAD of WriteWrapAad, so that the format byte is authenticated.
    private static int WriteVariableWrapAad(string keyArn, string materialId, Span<byte> aad)
    {
        aad[0] = WrapVariableFormatVersion;
        return 1 + WriteWrapAad(keyArn, materialId, aad[1..]);
    }

    private WrappedBackingKey Wrap(string keyArn, ReadOnlySpan<byte> material, ReadOnlySpan<byte> iv)
    {
        var materialId = KeyMaterialId.Compute(material);
        var wrapped = new byte[WrappedLength];
        wrapped[0] = WrapFormatVersion;
        iv.CopyTo(wrapped.AsSpan(1, WrapIvLength));
        Span<byte> aad = stackalloc byte[(2 * sizeof(int)) + CiphertextBlob.MaxKeyArnLength + KeyMaterialId.HexLength];
        aad = aad[..WriteWrapAad(keyArn, materialId, aad)];

        AcquireRoot();
        try
        {
            using var aes = new AesGcm(_root.Span, WrapTagLength);
            aes.Encrypt(iv, material, wrapped.AsSpan(1 + WrapIvLength, KeyLength), wrapped.AsSpan(1 + WrapIvLength + KeyLength), aad);
        }
        finally
        {
            _root.Release();
        }

        return new WrappedBackingKey(materialId, wrapped);
    }

    private WrappedBackingKey WrapVariable(string keyArn, ReadOnlySpan<byte> material)
    {
        var materialId = KeyMaterialId.Compute(material);
        var wrapped = new byte[1 + WrapIvLength + material.Length + WrapTagLength];
        wrapped[0] = WrapVariableFormatVersion;
        RandomNumberGenerator.Fill(wrapped.AsSpan(1, WrapIvLength));
        Span<byte> aad = stackalloc byte[1 + (2 * sizeof(int)) + CiphertextBlob.MaxKeyArnLength + KeyMaterialId.HexLength];
        aad = aad[..WriteVariableWrapAad(keyArn, materialId, aad)];

        AcquireRoot();
        try
        {
            using var aes = new AesGcm(_root.Span, WrapTagLength);
            aes.Encrypt(
                wrapped.AsSpan(1, WrapIvLength),
                material,
                wrapped.AsSpan(1 + WrapIvLength, material.Length),
                wrapped.AsSpan(1 + WrapIvLength + material.Length),
                aad);
        }
        finally
        {
            _root.Release();
        }

        return new WrappedBackingKey(materialId, wrapped);
    }

    /// <summary><see cref="AcquireBackingKey"/> for symmetric encryption: the material must be a 256-bit key (an HMAC or
    /// key-pair backing key never seals or opens a ciphertext blob).</summary>
    private KeyMaterial AcquireSymmetricBackingKey(string keyArn, WrappedBackingKey backingKey)
    {
        // The format byte says which kind of key was wrapped: 0x02 is bound into its associated data, so a key-pair or
        // HMAC key relabelled 0x01 does not unwrap.
        if (backingKey.Wrapped is not [WrapFormatVersion, ..])
        {
            throw new CryptographicException("The backing key is not a symmetric encryption key.");
        }

        return AcquireBackingKey(keyArn, backingKey);
    }

    /// <summary>The unwrapped backing key with one reference held for the caller, from the cache or freshly unwrapped.</summary>
    private KeyMaterial AcquireBackingKey(string keyArn, WrappedBackingKey backingKey)
    {
        var cached = _cache.TryAcquire(keyArn, backingKey.MaterialId);
        if (cached is not null)
        {
            return cached;
        }

        var epoch = _cache.EvictionEpoch;
        var material = Unwrap(keyArn, backingKey);

        // One reference for the caller; the creator reference goes to the cache, or is dropped if the cache declines.
        material.TryAddRef();
        if (!_cache.TryAdd(keyArn, backingKey.MaterialId, material, epoch))
        {
            material.Dispose();
        }

        return material;
    }

    private KeyMaterial Unwrap(string keyArn, WrappedBackingKey backingKey)
    {
        var wrapped = backingKey.Wrapped;
        if (wrapped is { Length: > 1 + WrapIvLength + WrapTagLength } && wrapped[0] == WrapVariableFormatVersion)
        {
            return UnwrapVariable(keyArn, backingKey);
        }

        if (!KeyMaterialId.IsValid(backingKey.MaterialId)
            || wrapped is not { Length: WrappedLength }
            || wrapped[0] != WrapFormatVersion)
        {
            throw UnwrapFailed();
        }

        Span<byte> aad = stackalloc byte[(2 * sizeof(int)) + CiphertextBlob.MaxKeyArnLength + KeyMaterialId.HexLength];
        aad = aad[..WriteWrapAad(keyArn, backingKey.MaterialId, aad)];
        Span<byte> plain = stackalloc byte[KeyLength];
        return OpenWrapped(backingKey, aad, plain);
    }

    private KeyMaterial UnwrapVariable(string keyArn, WrappedBackingKey backingKey)
    {
        var wrapped = backingKey.Wrapped;
        var length = wrapped.Length - 1 - WrapIvLength - WrapTagLength;
        if (!KeyMaterialId.IsValid(backingKey.MaterialId) || length > MaxVariableMaterialLength)
        {
            throw UnwrapFailed();
        }

        Span<byte> aad = stackalloc byte[1 + (2 * sizeof(int)) + CiphertextBlob.MaxKeyArnLength + KeyMaterialId.HexLength];
        aad = aad[..WriteVariableWrapAad(keyArn, backingKey.MaterialId, aad)];
        var plain = GC.AllocateUninitializedArray<byte>(length, pinned: true);
        return OpenWrapped(backingKey, aad, plain);
    }

    /// <summary>Decrypts a wrapped key (either format: version | IV | ciphertext | tag) into <paramref name="plain"/>,
    /// checks that its material id is the one claimed, and returns a copy owned by a new <see cref="KeyMaterial"/>;
    /// <paramref name="plain"/> is zeroed whatever happens.</summary>
    private KeyMaterial OpenWrapped(WrappedBackingKey backingKey, ReadOnlySpan<byte> aad, Span<byte> plain)
    {
        var wrapped = backingKey.Wrapped;
        var length = plain.Length;
        Span<byte> claimedId = stackalloc byte[KeyMaterialId.ByteLength];
        Span<byte> actualId = stackalloc byte[KeyMaterialId.ByteLength];

        AcquireRoot();
        try
        {
            using (var aes = new AesGcm(_root.Span, WrapTagLength))
            {
                aes.Decrypt(
                    wrapped.AsSpan(1, WrapIvLength),
                    wrapped.AsSpan(1 + WrapIvLength, length),
                    wrapped.AsSpan(1 + WrapIvLength + length),
                    plain,
                    aad);
            }

            // The AAD already binds the id; checking that it is the id of this material costs one HMAC per miss.
            KeyMaterialId.ComputeRaw(plain, actualId);
            if (!KeyMaterialId.TryDecode(backingKey.MaterialId, claimedId)
                || !CryptographicOperations.FixedTimeEquals(actualId, claimedId))
            {
                throw UnwrapFailed();
            }

            Interlocked.Increment(ref _unwrapCount);
            return KeyMaterial.CopyFrom(plain);
        }
        catch (AuthenticationTagMismatchException)
        {
            throw UnwrapFailed();
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            _root.Release();
        }
    }

    /// <inheritdoc />
    public byte[] RootKeyCheckValue()
    {
        ThrowIfDisposed();
        AcquireRoot();
        try
        {
            return HMACSHA256.HashData(_root.Span, RootKeyCheckLabel);
        }
        finally
        {
            _root.Release();
        }
    }

    /// <inheritdoc />
    public byte[] SignAuditDigest(ReadOnlySpan<byte> digest)
    {
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[KeyLength];
        try
        {
            DeriveAuditKey(key);
            return HMACSHA256.HashData(key, digest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <inheritdoc />
    public bool VerifyAuditDigest(ReadOnlySpan<byte> digest, ReadOnlySpan<byte> signature)
    {
        ThrowIfDisposed();
        Span<byte> key = stackalloc byte[KeyLength];
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        try
        {
            DeriveAuditKey(key);
            HMACSHA256.HashData(key, digest, expected);
            return CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <inheritdoc />
    public bool Unwraps(string keyArn, WrappedBackingKey backingKey)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(backingKey);
        ValidateKeyArn(keyArn);
        try
        {
            using var material = Unwrap(keyArn, backingKey);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks>Blob: version 0x01 || 96-bit random IV || AES-256-GCM ciphertext || 128-bit tag, under
    /// SP 800-108 KDF(root key, "KmsService access key secret v1"), with the UTF-8 access key id as associated data.</remarks>
    public byte[] WrapAccessKeySecret(string accessKeyId, string secretAccessKey)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentNullException.ThrowIfNull(secretAccessKey);
        var plain = StrictUtf8.GetBytes(secretAccessKey);
        try
        {
            return SealWithSubkey(AccessKeySecretLabel, plain, StrictUtf8.GetBytes(accessKeyId));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <inheritdoc />
    public string UnwrapAccessKeySecret(string accessKeyId, byte[] wrapped)
    {
        ThrowIfDisposed();
        ArgumentException.ThrowIfNullOrEmpty(accessKeyId);
        ArgumentNullException.ThrowIfNull(wrapped);
        if (!TryOpenWithSubkey(AccessKeySecretLabel, wrapped, StrictUtf8.GetBytes(accessKeyId), out var plain))
        {
            throw SecretUnwrapFailed();
        }

        try
        {
            return StrictUtf8.GetString(plain);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    /// <summary>0x01 || 96-bit random IV || AES-256-GCM ciphertext || 128-bit tag of <paramref name="plain"/> under
    /// SP 800-108 KDF(root key, <paramref name="label"/>), with <paramref name="aad"/> as associated data.</summary>
    private byte[] SealWithSubkey(ReadOnlySpan<byte> label, ReadOnlySpan<byte> plain, ReadOnlySpan<byte> aad)
    {
        var sealedBlob = new byte[1 + WrapIvLength + plain.Length + WrapTagLength];
        sealedBlob[0] = WrapFormatVersion;
        RandomNumberGenerator.Fill(sealedBlob.AsSpan(1, WrapIvLength));
        Span<byte> key = stackalloc byte[KeyLength];
        try
        {
            DeriveRootSubkey(label, key);
            using var aes = new AesGcm(key, WrapTagLength);
            aes.Encrypt(
                sealedBlob.AsSpan(1, WrapIvLength),
                plain,
                sealedBlob.AsSpan(1 + WrapIvLength, plain.Length),
                sealedBlob.AsSpan(1 + WrapIvLength + plain.Length),
                aad);
            return sealedBlob;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    /// <summary>Opens a blob of <see cref="SealWithSubkey"/>; false when it is malformed, altered, sealed with another
    /// label or associated data, or under another root key.</summary>
    private bool TryOpenWithSubkey(ReadOnlySpan<byte> label, ReadOnlySpan<byte> sealedBlob, ReadOnlySpan<byte> aad, out byte[] plain)
    {
        plain = [];
        if (sealedBlob.Length < 1 + WrapIvLength + WrapTagLength || sealedBlob[0] != WrapFormatVersion)
        {
            return false;
        }

        var length = sealedBlob.Length - 1 - WrapIvLength - WrapTagLength;
        var output = new byte[length];
        Span<byte> key = stackalloc byte[KeyLength];
        try
        {
            DeriveRootSubkey(label, key);
            using var aes = new AesGcm(key, WrapTagLength);
            aes.Decrypt(
                sealedBlob.Slice(1, WrapIvLength),
                sealedBlob.Slice(1 + WrapIvLength, length),
                sealedBlob.Slice(1 + WrapIvLength + length),
                output,
                aad);
            plain = output;
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            CryptographicOperations.ZeroMemory(output);
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static CryptographicException SecretUnwrapFailed() =>
        new("The access key secret does not unwrap under the root key: the root key differs from the one that wrapped it, "
            + "or the wrapped secret was altered or moved to another access key.");

    private static CryptographicException UnwrapFailed() =>
        new("The backing key does not unwrap under the root key: the root key differs from the one that wrapped it, "
            + "or the wrapped key was altered or moved to another key.");

    // NIST SP 800-108 counter mode over HMAC-SHA256, label "KmsService audit digest v1", no context: a key of its
    // own for audit digests, so that a digest signature is never a MAC any other use of the root key produces.
    private void DeriveAuditKey(Span<byte> key) => DeriveRootSubkey(AuditDigestLabel, key);

    // NIST SP 800-108 counter mode over HMAC-SHA256 of the root key, no context: one key per label (use).
    private void DeriveRootSubkey(ReadOnlySpan<byte> label, Span<byte> key)
    {
        AcquireRoot();
        try
        {
            SP800108HmacCounterKdf.DeriveBytes(_root.Span, HashAlgorithmName.SHA256, label, ReadOnlySpan<byte>.Empty, key);
        }
        finally
        {
            _root.Release();
        }
    }

    private void AcquireRoot()
    {
        var acquired = _root.TryAddRef();
        ObjectDisposedException.ThrowIf(!acquired, this);
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
}
