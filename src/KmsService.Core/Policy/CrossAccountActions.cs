namespace KmsService.Core.Policy;

/// <summary>
/// The KMS actions a principal may perform on a KMS key of another account, when the key policy and its own identity
/// policies allow (API reference, "Cross-account use: Yes" of each operation; KMS Developer Guide, "Allowing users in
/// other accounts to use a KMS key"). Every other action on another account's key fails whatever the policies say.
/// </summary>
public static class CrossAccountActions
{
    /// <summary>True when <paramref name="action"/> (<c>kms:Encrypt</c>, …) may be performed across accounts.</summary>
    public static bool Allows(string action) => action switch
    {
        // Cryptographic operations.
        "kms:Encrypt" or "kms:Decrypt" or "kms:ReEncryptFrom" or "kms:ReEncryptTo"
            or "kms:GenerateDataKey" or "kms:GenerateDataKeyWithoutPlaintext"
            or "kms:GenerateDataKeyPair" or "kms:GenerateDataKeyPairWithoutPlaintext"
            or "kms:GenerateMac" or "kms:VerifyMac" or "kms:Sign" or "kms:Verify" or "kms:DeriveSharedSecret" => true,

        // Reading the key's public facts.
        "kms:DescribeKey" or "kms:GetPublicKey" or "kms:GetKeyRotationStatus" => true,

        // Grants.
        "kms:CreateGrant" or "kms:ListGrants" or "kms:RetireGrant" or "kms:RevokeGrant" => true,
        _ => false,
    };
}
