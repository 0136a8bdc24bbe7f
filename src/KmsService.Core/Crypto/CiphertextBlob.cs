using System.Text;

namespace KmsService.Core.Crypto;

/// <summary>The ciphertext blob format, and the header read that tells the service which key and backing key to use.</summary>
/// <remarks>
/// 0x01 (format version) | 1-byte ARN length | key ARN (UTF-8, 1..255 bytes) | 32-byte raw material id |
/// 16-byte KDF nonce | 12-byte IV | AES-256-GCM ciphertext (plaintext length) | 16-byte tag.
/// Associated data: every header byte (version through IV) followed by <see cref="EncryptionContext.Canonical"/>.
/// </remarks>
public static class CiphertextBlob
{
    /// <summary>The first byte of every blob of this format.</summary>
    public const byte FormatVersion = 0x01;

    /// <summary>Longest key ARN, in UTF-8 bytes, that a blob can name.</summary>
    public const int MaxKeyArnLength = byte.MaxValue;

    /// <summary>Length of the random KDF nonce.</summary>
    public const int NonceLength = 16;

    /// <summary>Length of the random AES-GCM IV.</summary>
    public const int IvLength = 12;

    /// <summary>Length of the AES-GCM tag.</summary>
    public const int TagLength = 16;

    /// <summary>Largest plaintext that Encrypt accepts (the service model's limit).</summary>
    public const int MaxPlaintextLength = 4096;

    // Strict: a blob whose ARN bytes are not valid UTF-8 has no header worth looking up.
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Length of the blob for a key ARN of <paramref name="keyArnByteCount"/> UTF-8 bytes and a plaintext of <paramref name="plaintextLength"/> bytes.</summary>
    public static int GetLength(int keyArnByteCount, int plaintextLength) =>
        new BlobLayout(keyArnByteCount).HeaderLength + plaintextLength + TagLength;

    /// <summary>Reads the key ARN and material id from a blob's header; false when the blob cannot be one of ours.</summary>
    /// <remarks>The header is not authenticated until Decrypt succeeds: use it only to find the key.</remarks>
    public static bool TryReadHeader(ReadOnlySpan<byte> blob, out CiphertextHeader header)
    {
        header = default;
        if (!TryGetLayout(blob, out var layout, out _))
        {
            return false;
        }

        string keyArn;
        try
        {
            keyArn = StrictUtf8.GetString(blob.Slice(BlobLayout.ArnOffset, layout.ArnLength));
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        header = new CiphertextHeader(keyArn, KeyMaterialId.Encode(blob.Slice(layout.MaterialIdOffset, KeyMaterialId.ByteLength)));
        return true;
    }

    /// <summary>Checks version and lengths and gives the offsets; false for anything that is not a well-formed blob.</summary>
    internal static bool TryGetLayout(ReadOnlySpan<byte> blob, out BlobLayout layout, out int ciphertextLength)
    {
        layout = default;
        ciphertextLength = 0;
        if (blob.Length < BlobLayout.ArnOffset || blob[0] != FormatVersion || blob[1] == 0)
        {
            return false;
        }

        layout = new BlobLayout(blob[1]);
        ciphertextLength = blob.Length - layout.HeaderLength - TagLength;
        return ciphertextLength is >= 0 and <= MaxPlaintextLength;
    }
}

/// <summary>Offsets of the fields of a blob whose key ARN is <see cref="ArnLength"/> bytes long.</summary>
internal readonly record struct BlobLayout(int ArnLength)
{
    public const int ArnOffset = 2;

    public int MaterialIdOffset => ArnOffset + ArnLength;

    public int NonceOffset => MaterialIdOffset + KeyMaterialId.ByteLength;

    public int IvOffset => NonceOffset + CiphertextBlob.NonceLength;

    public int HeaderLength => IvOffset + CiphertextBlob.IvLength;
}
