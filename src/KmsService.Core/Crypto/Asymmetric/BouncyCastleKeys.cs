using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace KmsService.Core.Crypto.Asymmetric;

/// <summary>PKCS #8 and SubjectPublicKeyInfo DER to and from BouncyCastle key parameters, for the schemes the platform
/// lacks (Ed25519, ML-DSA, SM2). BouncyCastle's parse errors (IOException, InvalidCastException, …) become
/// ArgumentException, the error <see cref="IKeyScheme"/> promises for material that is not a key.</summary>
internal static class BouncyCastleKeys
{
    /// <summary>The private key in <paramref name="material"/> (PKCS #8 DER, no trailing bytes), as <typeparamref name="T"/>.</summary>
    public static T Private<T>(ReadOnlySpan<byte> material, string what)
        where T : AsymmetricKeyParameter
    {
        var copy = material.ToArray();
        AsymmetricKeyParameter key;
        try
        {
            // PrivateKeyInfo.GetInstance(Asn1Object.FromByteArray(...)) inside refuses trailing bytes.
            key = PrivateKeyFactory.CreateKey(copy);
        }
        catch (Exception e) when (IsParseError(e))
        {
            throw new ArgumentException($"The private key is not a DER PKCS #8 key of {what}.", nameof(material), e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(copy);
        }

        return key as T ?? throw new ArgumentException($"The private key is not a key of {what}.", nameof(material));
    }

    /// <summary>The public key in <paramref name="spki"/> (DER SubjectPublicKeyInfo, no trailing bytes), as <typeparamref name="T"/>.</summary>
    public static T Public<T>(ReadOnlySpan<byte> spki, string what)
        where T : AsymmetricKeyParameter
    {
        AsymmetricKeyParameter key;
        try
        {
            key = PublicKeyFactory.CreateKey(spki.ToArray());
        }
        catch (Exception e) when (IsParseError(e))
        {
            throw new ArgumentException($"The public key is not a DER SubjectPublicKeyInfo of {what}.", nameof(spki), e);
        }

        return key as T ?? throw new ArgumentException($"The public key is not a key of {what}.", nameof(spki));
    }

    /// <summary>PKCS #8 DER of a private key, as BouncyCastle's PrivateKeyInfoFactory encodes it.</summary>
    public static byte[] Pkcs8(AsymmetricKeyParameter privateKey) =>
        PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetDerEncoded();

    /// <summary>SubjectPublicKeyInfo DER of a public key, as GetPublicKey returns it.</summary>
    public static byte[] Spki(AsymmetricKeyParameter publicKey) =>
        SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded();

    private static bool IsParseError(Exception e) =>
        e is IOException or InvalidCastException or InvalidOperationException or ArgumentException or SecurityUtilityException;
}
