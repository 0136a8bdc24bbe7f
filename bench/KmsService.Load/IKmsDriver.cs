namespace KmsService.Load;

/// <summary>Sends KMS calls; one instance is shared by every worker of a run.</summary>
internal interface IKmsDriver : IDisposable
{
    /// <summary>Creates a key and returns its KeyId: a symmetric encryption key, or the spec and usage of
    /// <paramref name="kind"/>.</summary>
    Task<string> CreateKeyAsync(KeyKind? kind, CancellationToken ct);

    /// <summary>Encrypt; the ciphertext is returned only when <paramref name="wantCiphertext"/> (parsing costs client CPU).</summary>
    Task<CallResult> EncryptAsync(string keyId, byte[] plaintext, bool wantCiphertext, CancellationToken ct);

    Task<CallResult> DecryptAsync(byte[] ciphertextBlob, CancellationToken ct);

    Task<CallResult> GenerateDataKeyAsync(string keyId, CancellationToken ct);

    /// <summary>Sign of a RAW message; the signature is returned only when <paramref name="wantSignature"/>.</summary>
    Task<CallResult> SignAsync(string keyId, string signingAlgorithm, byte[] message, bool wantSignature, CancellationToken ct);

    Task<CallResult> VerifyAsync(string keyId, string signingAlgorithm, byte[] message, byte[] signature, CancellationToken ct);

    Task<CallResult> GenerateMacAsync(string keyId, string macAlgorithm, byte[] message, CancellationToken ct);
}

/// <summary>The key an operation needs other than a symmetric encryption key, and the algorithm it is used with.</summary>
internal sealed record KeyKind(string KeySpec, string KeyUsage, string Algorithm);

/// <summary>Outcome of one call: success, or the error's <c>__type</c> (or transport failure) and HTTP status;
/// <see cref="Output"/> is the ciphertext (Encrypt) or signature (Sign) when the caller asked for it.</summary>
internal readonly record struct CallResult(bool Ok, string? Error, byte[]? Output)
{
    public static CallResult Success(byte[]? output = null) => new(true, null, output);

    public static CallResult Failure(string error) => new(false, error, null);
}
