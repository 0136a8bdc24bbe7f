using KmsService.Core.Keys;
using KmsService.Identity;

namespace KmsService.Seed;

/// <summary>A validated seed file: the identities it declares and the keys to create (schema in DESIGN.md).</summary>
internal sealed record SeedDocument(
    IReadOnlyList<string> Accounts,
    IReadOnlyList<string> PrincipalArns,
    IReadOnlyList<AccessKey> AccessKeys,
    IReadOnlyList<SeedKey> Keys)
{
    public static SeedDocument Empty { get; } = new([], [], [], []);
}

/// <summary>A key declared in the seed file. <see cref="Materials"/> pins its chain of backing keys (oldest first, the
/// last is current) so that ciphertexts decrypt and signatures reproduce across fresh databases, rotated keys included:
/// 32 bytes each for a symmetric key, one HMAC key or one PKCS #8 private key for other specs (which never rotate).</summary>
internal sealed record SeedKey(
    string Account,
    string Region,
    string KeyId,
    KeySpec KeySpec,
    KeyUsageType KeyUsage,
    string Description,
    IReadOnlyList<string> Aliases,
    string? Policy,
    IReadOnlyList<byte[]> Materials,
    bool Enabled,
    SeedRotation? Rotation,
    IReadOnlyList<KeyValuePair<string, string>> Tags)
{
    // Never print the material.
    public override string ToString() => $"SeedKey {{ Account = {Account}, Region = {Region}, KeyId = {KeyId} }}";
}

/// <summary>A seeded key's automatic rotation setting.</summary>
internal sealed record SeedRotation(bool Enabled, int PeriodInDays);
