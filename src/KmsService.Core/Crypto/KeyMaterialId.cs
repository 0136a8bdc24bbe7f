using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace KmsService.Core.Crypto;

/// <summary>The id of a backing key: 64 lowercase hex characters of HMAC-SHA256(material, "KmsService key material id v1").</summary>
/// <remarks>
/// Deterministic, so seeded material gives the same id (and so the same ciphertext header) on every fresh database;
/// one-way, so the id reveals nothing about the material. In ciphertext blobs the id travels as its 32 raw bytes.
/// </remarks>
public static class KeyMaterialId
{
    /// <summary>Length of the raw id in bytes.</summary>
    public const int ByteLength = 32;

    /// <summary>Length of the id string in characters.</summary>
    public const int HexLength = 2 * ByteLength;

    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private static ReadOnlySpan<byte> Label => "KmsService key material id v1"u8;

    /// <summary>True when <paramref name="id"/> has the form of a material id (64 lowercase hex characters).</summary>
    public static bool IsValid([NotNullWhen(true)] string? id) =>
        id is { Length: HexLength } && !id.AsSpan().ContainsAnyExcept(LowerHex);

    /// <summary>Computes the id of <paramref name="material"/>.</summary>
    internal static string Compute(KeyMaterial material) => Compute(material.Span);

    /// <summary>Computes the id of raw material.</summary>
    internal static string Compute(ReadOnlySpan<byte> material)
    {
        Span<byte> raw = stackalloc byte[ByteLength];
        ComputeRaw(material, raw);
        return Convert.ToHexStringLower(raw);
    }

    /// <summary>Writes the 32 raw bytes of the id of <paramref name="material"/> to <paramref name="destination"/>.</summary>
    internal static void ComputeRaw(ReadOnlySpan<byte> material, Span<byte> destination) =>
        HMACSHA256.HashData(material, Label, destination);

    /// <summary>Writes the 32 raw bytes of a valid id to <paramref name="destination"/>; false for a malformed id.</summary>
    internal static bool TryDecode(string? id, Span<byte> destination)
    {
        if (!IsValid(id) || destination.Length < ByteLength)
        {
            return false;
        }

        return Convert.FromHexString(id, destination, out _, out var written) == OperationStatus.Done
            && written == ByteLength;
    }

    /// <summary>The id string of 32 raw bytes read from a blob.</summary>
    internal static string Encode(ReadOnlySpan<byte> raw) => Convert.ToHexStringLower(raw);
}
