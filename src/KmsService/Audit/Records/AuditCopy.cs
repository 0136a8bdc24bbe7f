using System.Globalization;
using KmsService.Core.Keys;
using KmsService.Operations;
using KmsService.Protocol;

namespace KmsService.Audit.Records;

/// <summary>Copies of request and response members into audit shapes, for the operations' projections.</summary>
internal static class AuditCopy
{
    /// <summary>The algorithm CloudTrail records when a symmetric call left it to the default (ct-encrypt, ct-decrypt).</summary>
    public const string SymmetricDefault = "SYMMETRIC_DEFAULT";

    public static IReadOnlyList<AuditTag>? Tags(IEnumerable<(string? Key, string? Value)>? tags) =>
        tags?.Select(t => new AuditTag { TagKey = t.Key, TagValue = t.Value }).ToArray();

    public static string? Date(DateTimeOffset? date) =>
        // CloudTrail logs KMS dates in responseElements as "Aug 10, 2022, 10:38:27 PM" (UTC; ct-createkey).
        date?.UtcDateTime.ToString("MMM d, yyyy, h:mm:ss tt", CultureInfo.InvariantCulture);

    /// <summary>The <c>responseElements</c> of an operation that returns nothing but that CloudTrail records with the
    /// affected key's ARN ("recorded on or after December 2022 include the key ARN of the affected KMS key in the
    /// responseElements.keyId value": ct-enablekey, ct-disablekey, ct-enablekeyrotation, ct-createalias,
    /// ct-updatealias, ct-deletealias, ct-creategrant). Null when the call resolved no key.</summary>
    public static AuditParameters? AffectedKey(CallContext call) =>
        call.KeyArn is { } arn ? new AuditParameters { KeyId = arn } : null;

    /// <summary>CreateKey's <c>responseElements.keyMetadata</c> as CloudTrail logs it (ct-createkey).</summary>
    public static AuditKeyMetadata KeyMetadata(KeyMetadata m) => new()
    {
        AwsAccountId = m.AWSAccountId,
        KeyId = m.KeyId,
        Arn = m.Arn,
        CreationDate = Date(m.CreationDate),
        Enabled = m.Enabled,
        Description = m.Description,
        KeyUsage = WireNames<KeyUsageType>.Name(m.KeyUsage),
        KeyState = WireNames<KeyState>.Name(m.KeyState),
        DeletionDate = Date(m.DeletionDate),
        Origin = WireNames<OriginType>.Name(m.Origin),
        KeyManager = WireNames<KeyManagerType>.Name(m.KeyManager),
        CustomerMasterKeySpec = WireNames<KeySpec>.Name(m.CustomerMasterKeySpec),
        KeySpec = WireNames<KeySpec>.Name(m.KeySpec),
        EncryptionAlgorithms = m.EncryptionAlgorithms?.Select(a => WireNames<EncryptionAlgorithmSpec>.Name(a)).ToArray(),
        SigningAlgorithms = m.SigningAlgorithms?.Select(a => WireNames<SigningAlgorithmSpec>.Name(a)).ToArray(),
        KeyAgreementAlgorithms = m.KeyAgreementAlgorithms?.Select(a => WireNames<KeyAgreementAlgorithmSpec>.Name(a)).ToArray(),
        MacAlgorithms = m.MacAlgorithms?.Select(a => WireNames<MacAlgorithmSpec>.Name(a)).ToArray(),
        MultiRegion = m.MultiRegion,
    };
}
