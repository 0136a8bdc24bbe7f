using System.Security.Cryptography;
using System.Text;
using KmsService.Core.Crypto;
using Xunit;

namespace KmsService.Core.Tests.Crypto;

/// <summary>Access-key secrets at rest: AES-256-GCM under a key derived from the root key, bound to the access key id.</summary>
public sealed class SoftwareHsaAccessKeySecretTests
{
    private const string AccessKeyId = "AKIAEXAMPLE000000001";
    private const string Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    [Fact]
    public void WrapAccessKeySecret_UnwrapsToTheSecret_AndHoldsNoPlaintext()
    {
        using var hsa = NewHsa(0);
        var wrapped = hsa.WrapAccessKeySecret(AccessKeyId, Secret);

        Assert.Equal(Secret, hsa.UnwrapAccessKeySecret(AccessKeyId, wrapped));
        Assert.Equal(1 + 12 + Secret.Length + 16, wrapped.Length);
        Assert.DoesNotContain(Secret, Encoding.Latin1.GetString(wrapped), StringComparison.Ordinal);
        Assert.NotEqual(wrapped, hsa.WrapAccessKeySecret(AccessKeyId, Secret));
    }

    [Fact]
    public void UnwrapAccessKeySecret_ForAnotherKeyIdRootKeyOrAlteredBlob_Throws()
    {
        using var hsa = NewHsa(0);
        using var other = NewHsa(1);
        var wrapped = hsa.WrapAccessKeySecret(AccessKeyId, Secret);

        Assert.Throws<CryptographicException>(() => hsa.UnwrapAccessKeySecret("AKIAEXAMPLE000000002", wrapped));
        Assert.Throws<CryptographicException>(() => other.UnwrapAccessKeySecret(AccessKeyId, wrapped));
        Assert.Throws<CryptographicException>(() => hsa.UnwrapAccessKeySecret(AccessKeyId, [0x01, 0x02]));
        for (var i = 0; i < wrapped.Length; i++)
        {
            var altered = (byte[])wrapped.Clone();
            altered[i] ^= 0x01;
            Assert.Throws<CryptographicException>(() => hsa.UnwrapAccessKeySecret(AccessKeyId, altered));
        }
    }

    private static SoftwareHsa NewHsa(byte first) => new(KeyMaterial.CopyFrom(TestKeys.Sequence(first, 32)), TimeProvider.System);
}
