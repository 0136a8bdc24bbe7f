namespace KmsService.Core.Crypto;

/// <summary>A backing key as stored at rest: its material id and the material wrapped under the HSA's root key.</summary>
/// <remarks>
/// <see cref="Wrapped"/> is 0x01 (format version) | 12-byte IV | 32-byte AES-256-GCM ciphertext | 16-byte tag, with
/// associated data = length-prefixed UTF-8 key ARN || length-prefixed ASCII <see cref="MaterialId"/>, so a wrapped
/// key copied to another key row, or relabelled, does not unwrap.
/// </remarks>
/// <param name="MaterialId">The backing-key id (<see cref="KeyMaterialId"/>).</param>
/// <param name="Wrapped">The wrapped material.</param>
public sealed record WrappedBackingKey(string MaterialId, byte[] Wrapped);
