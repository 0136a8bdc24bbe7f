using KmsService.Core.Keys;

namespace KmsService.Core.Grants;

/// <summary>KMS model enum <c>GrantOperation</c>: the operations a grant can allow (field names are the wire names).</summary>
public enum GrantOperation
{
    Decrypt,
    Encrypt,
    GenerateDataKey,
    GenerateDataKeyWithoutPlaintext,
    ReEncryptFrom,
    ReEncryptTo,
    Sign,
    Verify,
    GetPublicKey,
    CreateGrant,
    RetireGrant,
    DescribeKey,
    GenerateDataKeyPair,
    GenerateDataKeyPairWithoutPlaintext,
    GenerateMac,
    VerifyMac,
    DeriveSharedSecret,
}

/// <summary>A set of grant operations as a bit mask: cheap to test on the authorization path.</summary>
public readonly record struct GrantOperationSet(int Mask)
{
    /// <summary>The operations that take an encryption context, the only ones a grant constraint applies to
    /// (KMS API Reference, GrantConstraints: "all cryptographic operations with a symmetric KMS key").</summary>
    public static GrantOperationSet WithEncryptionContext { get; } = Of(
        GrantOperation.Encrypt, GrantOperation.Decrypt, GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo,
        GrantOperation.GenerateDataKey, GrantOperation.GenerateDataKeyWithoutPlaintext,
        GrantOperation.GenerateDataKeyPair, GrantOperation.GenerateDataKeyPairWithoutPlaintext);

    public bool IsEmpty => Mask == 0;

    public static GrantOperationSet Of(params ReadOnlySpan<GrantOperation> operations)
    {
        var mask = 0;
        foreach (var operation in operations)
        {
            mask |= Bit(operation);
        }

        return new GrantOperationSet(mask);
    }

    public bool Contains(GrantOperation operation) => (Mask & Bit(operation)) != 0;

    public bool IsSubsetOf(GrantOperationSet other) => (Mask & ~other.Mask) == 0;

    public bool Overlaps(GrantOperationSet other) => (Mask & other.Mask) != 0;

    public GrantOperationSet Except(GrantOperationSet other) => new(Mask & ~other.Mask);

    /// <summary>The operations in model order.</summary>
    public IEnumerable<GrantOperation> Operations()
    {
        foreach (var operation in Enum.GetValues<GrantOperation>())
        {
            if (Contains(operation))
            {
                yield return operation;
            }
        }
    }

    private static int Bit(GrantOperation operation) => 1 << (int)operation;
}

/// <summary>Which grant operations a key supports (KMS Developer Guide, "Grants in AWS KMS", Grant operations: "The
/// grant operations that you allow must be supported by the KMS key in the grant").</summary>
public static class GrantOperations
{
    private static readonly GrantOperationSet Management = GrantOperationSet.Of(
        GrantOperation.CreateGrant, GrantOperation.RetireGrant, GrantOperation.DescribeKey);

    // Symmetric encryption keys also protect the private keys of data key pairs (GenerateDataKeyPair*).
    private static readonly GrantOperationSet SymmetricEncryption = Union(Management, GrantOperationSet.Of(
        GrantOperation.Decrypt, GrantOperation.Encrypt, GrantOperation.GenerateDataKey,
        GrantOperation.GenerateDataKeyWithoutPlaintext, GrantOperation.GenerateDataKeyPair,
        GrantOperation.GenerateDataKeyPairWithoutPlaintext, GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo));

    // "Grants for asymmetric KMS keys cannot allow any operations that generate data keys or data key pairs."
    private static readonly GrantOperationSet AsymmetricEncryption = Union(Management, GrantOperationSet.Of(
        GrantOperation.Decrypt, GrantOperation.Encrypt, GrantOperation.ReEncryptFrom, GrantOperation.ReEncryptTo,
        GrantOperation.GetPublicKey));

    private static readonly GrantOperationSet Signing = Union(Management, GrantOperationSet.Of(
        GrantOperation.Sign, GrantOperation.Verify, GrantOperation.GetPublicKey));

    private static readonly GrantOperationSet Mac = Union(Management, GrantOperationSet.Of(
        GrantOperation.GenerateMac, GrantOperation.VerifyMac));

    private static readonly GrantOperationSet KeyAgreement = Union(Management, GrantOperationSet.Of(
        GrantOperation.DeriveSharedSecret, GrantOperation.GetPublicKey));

    /// <summary>The grant operations a key of this spec and usage supports.</summary>
    public static GrantOperationSet SupportedBy(KeySpec spec, KeyUsageType usage) => usage switch
    {
        KeyUsageType.EncryptDecrypt when spec == KeySpec.SymmetricDefault => SymmetricEncryption,
        KeyUsageType.EncryptDecrypt => AsymmetricEncryption,
        KeyUsageType.SignVerify => Signing,
        KeyUsageType.GenerateVerifyMac => Mac,
        KeyUsageType.KeyAgreement => KeyAgreement,
        _ => Management,
    };

    /// <summary>Parses an operation's wire name (also the name of the KMS action, <c>kms:NAME</c>).</summary>
    public static bool TryParse(string name, out GrantOperation operation) => WireNames<GrantOperation>.TryParse(name, out operation);

    public static string Name(GrantOperation operation) => WireNames<GrantOperation>.Name(operation);

    private static GrantOperationSet Union(GrantOperationSet a, GrantOperationSet b) => new(a.Mask | b.Mask);
}
