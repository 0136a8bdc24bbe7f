using KmsService.Identity;

namespace KmsService.Seed;

/// <summary>A validated seed file: the identities it declares and the keys to create (schema in DESIGN.md).</summary>
internal sealed record SeedDocument(
    IReadOnlyList<string> Accounts,
    IReadOnlyList<AccessKey> AccessKeys,
    IReadOnlyList<SeedKey> Keys)
{
    public static SeedDocument Empty { get; } = new([], [], []);
}

/// <summary>A key declared in the seed file. <see cref="Material"/> pins its 32-byte backing key so that ciphertexts
/// decrypt across fresh databases.</summary>
internal sealed record SeedKey(
    string Account,
    string Region,
    string KeyId,
    string Description,
    IReadOnlyList<string> Aliases,
    string? Policy,
    byte[]? Material)
{
    // Never print the material.
    public override string ToString() => $"SeedKey {{ Account = {Account}, Region = {Region}, KeyId = {KeyId} }}";
}
