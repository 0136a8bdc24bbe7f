using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace KmsService.Audit.Store;

/// <summary>
/// The chain's hash and the digests' signed content. A row's hash is SHA-256(prev_hash || content), where content is
/// every column but the two hashes, in a fixed order: the sequence and time as 8-byte big-endian integers (time in Unix
/// milliseconds), the flag as one byte, each string as a presence byte (0 null, 1 present) then, if present, its UTF-8
/// length (4-byte big-endian) and bytes, and the record JSON as its length and bytes. Length prefixes make the
/// encoding unambiguous: no two different rows encode alike.
/// </summary>
internal static class AuditHash
{
    public const int Length = SHA256.HashSizeInBytes;

    // Versioned, so that a later encoding cannot be confused with this one.
    private static ReadOnlySpan<byte> DigestLabel => "KmsService audit digest v1\0"u8;

    // Checkpoints are signed with the digest signing key (IHsa.SignAuditDigest); this label, which no digest content
    // starts with, keeps the two kinds apart, so a digest signature can never pass for a checkpoint's or the reverse.
    private static ReadOnlySpan<byte> CheckpointLabel => "KmsService audit checkpoint v1\0"u8;

    public static byte[] Compute(ReadOnlySpan<byte> prevHash, AuditRecordRow row)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + row.RecordJson.Length);
        buffer.Write(prevHash);
        WriteInt64(buffer, row.Sequence);
        WriteString(buffer, row.EventId);
        WriteInt64(buffer, ToUnixMs(row.EventTime));
        WriteString(buffer, row.AccountId);
        WriteString(buffer, row.RecipientAccountId);
        WriteString(buffer, row.EventName);
        WriteString(buffer, row.Username);
        WriteString(buffer, row.AccessKeyId);
        WriteString(buffer, row.ResourceType);
        WriteString(buffer, row.ResourceName);
        buffer.Write([row.ReadOnly ? (byte)1 : (byte)0]);
        WriteString(buffer, row.EventSource);
        WriteBytes(buffer, row.RecordJson);
        return SHA256.HashData(buffer.WrittenSpan);
    }

    /// <summary>What a digest's signature covers: a label, the range, the head hash and the time.</summary>
    public static byte[] DigestContent(AuditDigestRow digest)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Write(DigestLabel);
        WriteInt64(buffer, digest.FirstSequence);
        WriteInt64(buffer, digest.LastSequence);
        WriteBytes(buffer, digest.HeadHash);
        WriteInt64(buffer, ToUnixMs(digest.CreatedAt));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>What a checkpoint's signature covers: a label (distinct from the digests'), the last pruned sequence,
    /// its hash and the time of the pruning.</summary>
    public static byte[] CheckpointContent(AuditCheckpointRow checkpoint)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        buffer.Write(CheckpointLabel);
        WriteInt64(buffer, checkpoint.ThroughSequence);
        WriteBytes(buffer, checkpoint.HeadHash);
        WriteInt64(buffer, ToUnixMs(checkpoint.PrunedAt));
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>UTC with whole milliseconds: what both providers store exactly (PostgreSQL keeps microseconds, SQLite
    /// text), so that a hash computed before the write recomputes after a read.</summary>
    public static DateTime Truncate(DateTimeOffset time)
    {
        var utc = time.UtcDateTime;
        return new DateTime(utc.Ticks - (utc.Ticks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc);
    }

    // SQLite hands back DateTimeKind.Unspecified: the stored value is UTC either way.
    private static long ToUnixMs(DateTime time) =>
        (DateTime.SpecifyKind(time, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / TimeSpan.TicksPerMillisecond;

    private static void WriteInt64(ArrayBufferWriter<byte> buffer, long value)
    {
        BinaryPrimitives.WriteInt64BigEndian(buffer.GetSpan(sizeof(long)), value);
        buffer.Advance(sizeof(long));
    }

    private static void WriteBytes(ArrayBufferWriter<byte> buffer, ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteInt32BigEndian(buffer.GetSpan(sizeof(int)), value.Length);
        buffer.Advance(sizeof(int));
        buffer.Write(value);
    }

    private static void WriteString(ArrayBufferWriter<byte> buffer, string? value)
    {
        if (value is null)
        {
            buffer.Write([(byte)0]);
            return;
        }

        buffer.Write([(byte)1]);
        WriteBytes(buffer, Encoding.UTF8.GetBytes(value));
    }
}
