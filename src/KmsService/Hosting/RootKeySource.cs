using KmsService.Core.Crypto;

namespace KmsService.Hosting;

/// <summary>The root key as loaded at start-up, until the HSA takes it, and the key file this start generated (in
/// Development, when none existed), so that a start refused by the store's key check leaves no new key behind.</summary>
internal sealed class RootKeySource(KeyMaterial material, string? GeneratedFile)
{
    private KeyMaterial? _material = material;

    /// <summary>Hands the key to its one owner (the HSA); a second call is a programming error.</summary>
    public KeyMaterial Take() =>
        Interlocked.Exchange(ref _material, null) ?? throw new InvalidOperationException("The root key was already taken.");

    /// <summary>Deletes the key file if this start generated it.</summary>
    public void DeleteIfGenerated()
    {
        if (GeneratedFile is not null)
        {
            File.Delete(GeneratedFile);
        }
    }
}
