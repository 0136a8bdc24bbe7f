namespace KmsService.Protocol;

/// <summary>A request or response that carries plaintext, a data key or random bytes, which the operation table zeroes
/// once the call is over (the response once serialised), whether it succeeded or failed.</summary>
internal interface IHoldsSecrets
{
    /// <summary>Zeroes every secret byte array the object holds.</summary>
    void ClearSecrets();
}

/// <summary>Zeroes secret byte arrays: plaintext, data keys, private keys, random bytes.</summary>
internal static class Secrets
{
    public static void Clear(byte[]? secret)
    {
        if (secret is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(secret);
        }
    }
}
