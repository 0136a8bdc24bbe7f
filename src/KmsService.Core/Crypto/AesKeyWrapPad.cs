using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace KmsService.Core.Crypto;

/// <summary>AES key wrap with padding (RFC 5649), the second half of the RSA_AES_KEY_WRAP import algorithms (PKCS #11
/// CKM_RSA_AES_KEY_WRAP; OpenSSL's <c>id-aes256-wrap-pad</c>). .NET has no AES key wrap, so BouncyCastle's engine.</summary>
internal static class AesKeyWrapPad
{
    /// <summary>Wraps <paramref name="plaintext"/> under the AES key <paramref name="kek"/> (tests, and clients of ours).</summary>
    public static byte[] Wrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> plaintext)
    {
        var engine = new Rfc5649WrapEngine(new AesEngine());
        engine.Init(forWrapping: true, new KeyParameter(kek));
        var input = plaintext.ToArray();
        try
        {
            return engine.Wrap(input, 0, input.Length);
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <summary>Unwraps <paramref name="wrapped"/>, or returns false when it was not wrapped under <paramref name="kek"/>
    /// (the integrity check of RFC 5649 §3 fails) or is malformed.</summary>
    public static bool TryUnwrap(ReadOnlySpan<byte> kek, ReadOnlySpan<byte> wrapped, out byte[] plaintext)
    {
        plaintext = [];
        if (kek.Length is not (16 or 24 or 32) || wrapped.Length < 16 || wrapped.Length % 8 != 0)
        {
            return false;
        }

        var engine = new Rfc5649WrapEngine(new AesEngine());
        engine.Init(forWrapping: false, new KeyParameter(kek));
        try
        {
            plaintext = engine.Unwrap(wrapped.ToArray(), 0, wrapped.Length);
            return true;
        }
        catch (InvalidCipherTextException)
        {
            return false;
        }
    }
}
