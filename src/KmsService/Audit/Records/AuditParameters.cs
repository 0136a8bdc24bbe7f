using System.Text.Json.Serialization;

namespace KmsService.Audit.Records;

/// <summary>The <c>requestParameters</c> or <c>responseElements</c> of one KMS event, as CloudTrail logs them. Only
/// strings, numbers, booleans, string lists and string maps, each member named after CloudTrail's field: there is no
/// member a plaintext, ciphertext, data key, secret or grant token could be put in (AuditParametersTests enforces it).</summary>
internal sealed class AuditParameters
{
    public string? KeyId { get; init; }
    public IReadOnlyDictionary<string, string>? EncryptionContext { get; init; }
    public string? EncryptionAlgorithm { get; init; }
    public string? KeySpec { get; init; }
    public int? NumberOfBytes { get; init; }

    // Sign, Verify, GenerateMac, VerifyMac, GenerateDataKeyPair*, DeriveSharedSecret (ct-sign, ct-verify, …).
    public string? SigningAlgorithm { get; init; }
    public string? MessageType { get; init; }
    public string? MacAlgorithm { get; init; }
    public string? KeyPairSpec { get; init; }
    public string? KeyAgreementAlgorithm { get; init; }

    // ReEncrypt.
    public string? SourceKeyId { get; init; }
    public string? DestinationKeyId { get; init; }
    public IReadOnlyDictionary<string, string>? SourceEncryptionContext { get; init; }
    public IReadOnlyDictionary<string, string>? DestinationEncryptionContext { get; init; }
    public string? SourceEncryptionAlgorithm { get; init; }
    public string? DestinationEncryptionAlgorithm { get; init; }

    // Grants.
    public string? GranteePrincipal { get; init; }
    public string? RetiringPrincipal { get; init; }
    public IReadOnlyList<string>? Operations { get; init; }
    public AuditGrantConstraints? Constraints { get; init; }
    public string? Name { get; init; }
    public string? GrantId { get; init; }

    // Aliases.
    public string? AliasName { get; init; }
    public string? TargetKeyId { get; init; }

    // Keys, policies, tags, rotation, deletion.
    public string? Description { get; init; }
    public string? KeyUsage { get; init; }
    public string? CustomerMasterKeySpec { get; init; }
    public string? Origin { get; init; }
    public string? CustomKeyStoreId { get; init; }
    public bool? BypassPolicyLockoutSafetyCheck { get; init; }
    public bool? MultiRegion { get; init; }
    public string? PolicyName { get; init; }
    public string? Policy { get; init; }
    public IReadOnlyList<AuditTag>? Tags { get; init; }
    public IReadOnlyList<string>? TagKeys { get; init; }
    public int? PendingWindowInDays { get; init; }
    public int? RotationPeriodInDays { get; init; }
    public string? KeyState { get; init; }
    public string? DeletionDate { get; init; }
    public string? IncludeKeyMaterial { get; init; }

    // Imported key material (GetParametersForImport, ImportKeyMaterial, DeleteImportedKeyMaterial): names and ids
    // only, never the import token, the public key or the material.
    public string? WrappingAlgorithm { get; init; }
    public string? WrappingKeySpec { get; init; }
    public string? ValidTo { get; init; }
    public string? ExpirationModel { get; init; }
    public string? ImportType { get; init; }
    public string? KeyMaterialDescription { get; init; }
    public string? KeyMaterialId { get; init; }

    // CreateKey's responseElements.
    public AuditKeyMetadata? KeyMetadata { get; init; }

    // Multi-Region keys: ReplicateKey, UpdatePrimaryRegion.
    public string? ReplicaRegion { get; init; }
    public string? PrimaryRegion { get; init; }
    public AuditKeyMetadata? ReplicaKeyMetadata { get; init; }

    // Paging.
    public int? Limit { get; init; }
    public string? Marker { get; init; }

    public bool? DryRun { get; init; }

    // Custom key stores (ct-createcustomkeystore, …): never the kmsuser password or the proxy credential.
    public string? CustomKeyStoreName { get; init; }
    public string? NewCustomKeyStoreName { get; init; }
    public string? CustomKeyStoreType { get; init; }
    public string? CloudHsmClusterId { get; init; }
    public string? TrustAnchorCertificate { get; init; }
    public string? XksProxyUriEndpoint { get; init; }
    public string? XksProxyUriPath { get; init; }
    public string? XksProxyVpcEndpointServiceName { get; init; }
    public string? XksProxyVpcEndpointServiceOwner { get; init; }
    public string? XksProxyConnectivity { get; init; }
}

/// <summary>CloudTrail's <c>constraints</c> of a CreateGrant request.</summary>
internal sealed class AuditGrantConstraints
{
    public IReadOnlyDictionary<string, string>? EncryptionContextSubset { get; init; }
    public IReadOnlyDictionary<string, string>? EncryptionContextEquals { get; init; }
}

/// <summary>One tag of a CreateKey or TagResource request, as CloudTrail logs it.</summary>
internal sealed class AuditTag
{
    public string? TagKey { get; init; }
    public string? TagValue { get; init; }
}

/// <summary>CloudTrail's <c>responseElements.keyMetadata</c> of a CreateKey call (KMS Developer Guide, ct-createkey): the
/// key's public metadata, dates in CloudTrail's <c>"Aug 10, 2022, 10:38:27 PM"</c> form.</summary>
internal sealed class AuditKeyMetadata
{
    [JsonPropertyName("AWSAccountId")]
    public string? AwsAccountId { get; init; }
    public string? KeyId { get; init; }
    public string? Arn { get; init; }
    public string? CreationDate { get; init; }
    public bool? Enabled { get; init; }
    public string? Description { get; init; }
    public string? KeyUsage { get; init; }
    public string? KeyState { get; init; }
    public string? DeletionDate { get; init; }
    public string? Origin { get; init; }
    public string? KeyManager { get; init; }
    public string? CustomerMasterKeySpec { get; init; }
    public string? KeySpec { get; init; }
    public IReadOnlyList<string>? EncryptionAlgorithms { get; init; }
    public IReadOnlyList<string>? SigningAlgorithms { get; init; }
    public IReadOnlyList<string>? KeyAgreementAlgorithms { get; init; }
    public IReadOnlyList<string>? MacAlgorithms { get; init; }
    public bool? MultiRegion { get; init; }
}

/// <summary>CloudTrail's <c>additionalEventData</c> of a KMS event: the ids of the key material a cryptographic call used
/// (ct-encrypt, ct-decrypt, ct-generatedatakey, ct-reencrypt) and the grant RetireGrant retired (ct-retire-grant). Ids
/// only, never the material.</summary>
internal sealed class AuditAdditionalEventData
{
    public string? KeyMaterialId { get; init; }
    public string? SourceKeyMaterialId { get; init; }
    public string? DestinationKeyMaterialId { get; init; }
    public string? GrantId { get; init; }
}

/// <summary>An operation's audit projection of one call: CloudTrail's <c>requestParameters</c>,
/// <c>responseElements</c> (null where CloudTrail logs null) and <c>additionalEventData</c> (omitted when null).</summary>
internal readonly record struct AuditProjection(
    AuditParameters? RequestParameters,
    AuditParameters? ResponseElements = null,
    AuditAdditionalEventData? AdditionalEventData = null);
