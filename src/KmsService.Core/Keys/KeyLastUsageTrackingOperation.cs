namespace KmsService.Core.Keys;

/// <summary>KMS model enum <c>KeyLastUsageTrackingOperation</c>: the cryptographic operations whose success counts as
/// a use of the key for GetKeyLastUsage (wire names are the member names).</summary>
public enum KeyLastUsageTrackingOperation
{
    Decrypt,
    DeriveSharedSecret,
    Encrypt,
    GenerateDataKey,
    GenerateDataKeyPair,
    GenerateDataKeyPairWithoutPlaintext,
    GenerateDataKeyWithoutPlaintext,
    GenerateMac,
    ReEncrypt,
    Sign,
    Verify,
    VerifyMac,
}
