using System.Security.Cryptography;

namespace KmsService.Core.Crypto;

/// <summary>Random bytes for values that are public once used (KDF nonces, GCM IVs, request ids), from
/// <see cref="RandomNumberGenerator"/> in blocks, so that the hot path makes one system call per few hundred requests
/// instead of one or two per request.</summary>
/// <remarks>
/// Never use it for key material: a secret must not sit in a buffer before it is needed. Each thread has its own
/// buffer and every byte of it is handed out once, then the buffer is refilled; a slice is cleared from the buffer
/// as it is handed out, so that what a thread has not yet used is all that remains in memory.
/// </remarks>
public static class PublicRandom
{
    private const int BlockLength = 4096;

    [ThreadStatic]
    private static byte[]? _threadBlock;

    [ThreadStatic]
    private static int _threadUsed;

    /// <summary>Fills <paramref name="destination"/> with cryptographically strong random bytes.</summary>
    public static void Fill(Span<byte> destination)
    {
        if (destination.Length > BlockLength / 8)
        {
            RandomNumberGenerator.Fill(destination);
            return;
        }

        var block = _threadBlock;
        var used = _threadUsed;
        if (block is null || BlockLength - used < destination.Length)
        {
            block = _threadBlock ??= new byte[BlockLength];
            RandomNumberGenerator.Fill(block);
            used = 0;
        }

        // INVARIANT: bytes before _threadUsed were handed out once and are zero; none is handed out twice.
        var slice = block.AsSpan(used, destination.Length);
        slice.CopyTo(destination);
        slice.Clear();
        _threadUsed = used + destination.Length;
    }

    /// <summary>A random (version 4) UUID, as <see cref="Guid.NewGuid"/> gives but without a system call per id.</summary>
    public static Guid NewGuid()
    {
        Span<byte> bytes = stackalloc byte[16];
        Fill(bytes);

        // RFC 9562 §5.4: version 4 in the high nibble of byte 6, variant 10 in the two high bits of byte 8
        // (big-endian field order, as Guid's constructor reads it with bigEndian: true).
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
