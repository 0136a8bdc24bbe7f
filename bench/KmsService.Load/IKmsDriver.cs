namespace KmsService.Load;

/// <summary>Sends KMS calls; one instance is shared by every worker of a run.</summary>
internal interface IKmsDriver : IDisposable
{
    /// <summary>Creates a symmetric encryption key and returns its KeyId.</summary>
    Task<string> CreateKeyAsync(CancellationToken ct);

    /// <summary>Encrypt; the ciphertext is returned only when <paramref name="wantCiphertext"/> (parsing costs client CPU).</summary>
    Task<CallResult> EncryptAsync(string keyId, byte[] plaintext, bool wantCiphertext, CancellationToken ct);

    Task<CallResult> DecryptAsync(byte[] ciphertextBlob, CancellationToken ct);

    Task<CallResult> GenerateDataKeyAsync(string keyId, CancellationToken ct);
}

/// <summary>Outcome of one call: success, or the error's <c>__type</c> (or transport failure) and HTTP status.</summary>
internal readonly record struct CallResult(bool Ok, string? Error, byte[]? Ciphertext)
{
    public static CallResult Success(byte[]? ciphertext = null) => new(true, null, ciphertext);

    public static CallResult Failure(string error) => new(false, error, null);
}
