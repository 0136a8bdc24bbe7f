using Xunit;

namespace KmsService.Core.Tests.Crypto.Asymmetric;

public sealed class BouncyCastleUsageTests
{
    // BouncyCastle only for what System.Security.Cryptography lacks on OpenSSL 3.0: Ed25519, ML-DSA, SM2 (with SM3)
    // and HMAC-SHA-224, plus the PKCS #8 / SubjectPublicKeyInfo glue those three schemes share; AES key wrap with
    // padding (RFC 5649) for imported key material.
    private static readonly string[] Allowed =
    [
        "Crypto/AesKeyWrapPad.cs",
        "Crypto/Asymmetric/BouncyCastleKeys.cs",
        "Crypto/Asymmetric/Ed25519Scheme.cs",
        "Crypto/Asymmetric/HmacScheme.cs",
        "Crypto/Asymmetric/MlDsaScheme.cs",
        "Crypto/Asymmetric/Sm2Scheme.cs",
    ];

    [Fact]
    public void OrgBouncyCastle_AppearsOnlyInTheSchemesThePlatformLacks()
    {
        var core = Path.Combine(RepositoryRoot(), "src", "KmsService.Core");

        var users = Directory.EnumerateFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(file => !IsBuildOutput(core, file) && File.ReadAllText(file).Contains("Org.BouncyCastle", StringComparison.Ordinal))
            .Select(file => Path.GetRelativePath(core, file).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        Assert.Equal(Allowed, users);
    }

    private static bool IsBuildOutput(string root, string file)
    {
        var first = Path.GetRelativePath(root, file).Split(Path.DirectorySeparatorChar)[0];
        return first is "bin" or "obj";
    }

    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "KmsService.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("The repository root (KmsService.sln) is not above the test binaries.");
    }
}
