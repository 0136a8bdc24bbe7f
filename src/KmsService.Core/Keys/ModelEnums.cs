using System.Text.Json.Serialization;

namespace KmsService.Core.Keys;

/// <summary>KMS model enum <c>KeyState</c>.</summary>
public enum KeyState
{
    Creating,
    Enabled,
    Disabled,
    PendingDeletion,
    PendingImport,
    PendingReplicaDeletion,
    Unavailable,
    Updating,
}

/// <summary>KMS model enum <c>KeyUsageType</c>.</summary>
public enum KeyUsageType
{
    [JsonStringEnumMemberName("SIGN_VERIFY")] SignVerify,
    [JsonStringEnumMemberName("ENCRYPT_DECRYPT")] EncryptDecrypt,
    [JsonStringEnumMemberName("GENERATE_VERIFY_MAC")] GenerateVerifyMac,
    [JsonStringEnumMemberName("KEY_AGREEMENT")] KeyAgreement,
}

/// <summary>KMS model enum <c>KeySpec</c> (and its deprecated twin <c>CustomerMasterKeySpec</c>).</summary>
public enum KeySpec
{
    [JsonStringEnumMemberName("RSA_2048")] Rsa2048,
    [JsonStringEnumMemberName("RSA_3072")] Rsa3072,
    [JsonStringEnumMemberName("RSA_4096")] Rsa4096,
    [JsonStringEnumMemberName("ECC_NIST_P256")] EccNistP256,
    [JsonStringEnumMemberName("ECC_NIST_P384")] EccNistP384,
    [JsonStringEnumMemberName("ECC_NIST_P521")] EccNistP521,
    [JsonStringEnumMemberName("ECC_SECG_P256K1")] EccSecgP256K1,
    [JsonStringEnumMemberName("SYMMETRIC_DEFAULT")] SymmetricDefault,
    [JsonStringEnumMemberName("HMAC_224")] Hmac224,
    [JsonStringEnumMemberName("HMAC_256")] Hmac256,
    [JsonStringEnumMemberName("HMAC_384")] Hmac384,
    [JsonStringEnumMemberName("HMAC_512")] Hmac512,
    [JsonStringEnumMemberName("SM2")] Sm2,
    [JsonStringEnumMemberName("ML_DSA_44")] MlDsa44,
    [JsonStringEnumMemberName("ML_DSA_65")] MlDsa65,
    [JsonStringEnumMemberName("ML_DSA_87")] MlDsa87,
    [JsonStringEnumMemberName("ECC_NIST_EDWARDS25519")] EccNistEdwards25519,
}

/// <summary>KMS model enum <c>OriginType</c>.</summary>
public enum OriginType
{
    [JsonStringEnumMemberName("AWS_KMS")] AwsKms,
    [JsonStringEnumMemberName("EXTERNAL")] External,
    [JsonStringEnumMemberName("AWS_CLOUDHSM")] AwsCloudHsm,
    [JsonStringEnumMemberName("EXTERNAL_KEY_STORE")] ExternalKeyStore,
}

/// <summary>KMS model enum <c>KeyManagerType</c>.</summary>
public enum KeyManagerType
{
    [JsonStringEnumMemberName("AWS")] Aws,
    [JsonStringEnumMemberName("CUSTOMER")] Customer,
}

/// <summary>KMS model enum <c>EncryptionAlgorithmSpec</c>.</summary>
public enum EncryptionAlgorithmSpec
{
    [JsonStringEnumMemberName("SYMMETRIC_DEFAULT")] SymmetricDefault,
    [JsonStringEnumMemberName("RSAES_OAEP_SHA_1")] RsaesOaepSha1,
    [JsonStringEnumMemberName("RSAES_OAEP_SHA_256")] RsaesOaepSha256,
    [JsonStringEnumMemberName("SM2PKE")] Sm2Pke,
}

/// <summary>KMS model enum <c>DataKeySpec</c>.</summary>
public enum DataKeySpec
{
    [JsonStringEnumMemberName("AES_256")] Aes256,
    [JsonStringEnumMemberName("AES_128")] Aes128,
}

/// <summary>KMS model enum <c>SigningAlgorithmSpec</c>.</summary>
public enum SigningAlgorithmSpec
{
    [JsonStringEnumMemberName("RSASSA_PSS_SHA_256")] RsassaPssSha256,
    [JsonStringEnumMemberName("RSASSA_PSS_SHA_384")] RsassaPssSha384,
    [JsonStringEnumMemberName("RSASSA_PSS_SHA_512")] RsassaPssSha512,
    [JsonStringEnumMemberName("RSASSA_PKCS1_V1_5_SHA_256")] RsassaPkcs1V15Sha256,
    [JsonStringEnumMemberName("RSASSA_PKCS1_V1_5_SHA_384")] RsassaPkcs1V15Sha384,
    [JsonStringEnumMemberName("RSASSA_PKCS1_V1_5_SHA_512")] RsassaPkcs1V15Sha512,
    [JsonStringEnumMemberName("ECDSA_SHA_256")] EcdsaSha256,
    [JsonStringEnumMemberName("ECDSA_SHA_384")] EcdsaSha384,
    [JsonStringEnumMemberName("ECDSA_SHA_512")] EcdsaSha512,
    [JsonStringEnumMemberName("SM2DSA")] Sm2Dsa,
    [JsonStringEnumMemberName("ML_DSA_SHAKE_256")] MlDsaShake256,
    [JsonStringEnumMemberName("ED25519_SHA_512")] Ed25519Sha512,
    [JsonStringEnumMemberName("ED25519_PH_SHA_512")] Ed25519PhSha512,
}

/// <summary>KMS model enum <c>MacAlgorithmSpec</c>.</summary>
public enum MacAlgorithmSpec
{
    [JsonStringEnumMemberName("HMAC_SHA_224")] HmacSha224,
    [JsonStringEnumMemberName("HMAC_SHA_256")] HmacSha256,
    [JsonStringEnumMemberName("HMAC_SHA_384")] HmacSha384,
    [JsonStringEnumMemberName("HMAC_SHA_512")] HmacSha512,
}

/// <summary>KMS model enum <c>KeyAgreementAlgorithmSpec</c>.</summary>
public enum KeyAgreementAlgorithmSpec
{
    [JsonStringEnumMemberName("ECDH")] Ecdh,
}

/// <summary>KMS model enum <c>MessageType</c>.</summary>
public enum MessageType
{
    [JsonStringEnumMemberName("RAW")] Raw,
    [JsonStringEnumMemberName("DIGEST")] Digest,
    [JsonStringEnumMemberName("EXTERNAL_MU")] ExternalMu,
}

/// <summary>KMS model enum <c>MultiRegionKeyType</c>.</summary>
public enum MultiRegionKeyType
{
    [JsonStringEnumMemberName("PRIMARY")] Primary,
    [JsonStringEnumMemberName("REPLICA")] Replica,
}

/// <summary>KMS model enum <c>DataKeyPairSpec</c>: the key pairs GenerateDataKeyPair makes (names as <see cref="KeySpec"/>).</summary>
public enum DataKeyPairSpec
{
    [JsonStringEnumMemberName("RSA_2048")] Rsa2048,
    [JsonStringEnumMemberName("RSA_3072")] Rsa3072,
    [JsonStringEnumMemberName("RSA_4096")] Rsa4096,
    [JsonStringEnumMemberName("ECC_NIST_P256")] EccNistP256,
    [JsonStringEnumMemberName("ECC_NIST_P384")] EccNistP384,
    [JsonStringEnumMemberName("ECC_NIST_P521")] EccNistP521,
    [JsonStringEnumMemberName("ECC_SECG_P256K1")] EccSecgP256K1,
    [JsonStringEnumMemberName("SM2")] Sm2,
    [JsonStringEnumMemberName("ECC_NIST_EDWARDS25519")] EccNistEdwards25519,
}

/// <summary>KMS model enum <c>AlgorithmSpec</c>: how key material is wrapped for ImportKeyMaterial.</summary>
public enum AlgorithmSpec
{
    [JsonStringEnumMemberName("RSAES_PKCS1_V1_5")] RsaesPkcs1V15,
    [JsonStringEnumMemberName("RSAES_OAEP_SHA_1")] RsaesOaepSha1,
    [JsonStringEnumMemberName("RSAES_OAEP_SHA_256")] RsaesOaepSha256,
    [JsonStringEnumMemberName("RSA_AES_KEY_WRAP_SHA_1")] RsaAesKeyWrapSha1,
    [JsonStringEnumMemberName("RSA_AES_KEY_WRAP_SHA_256")] RsaAesKeyWrapSha256,
    [JsonStringEnumMemberName("SM2PKE")] Sm2Pke,
}

/// <summary>KMS model enum <c>WrappingKeySpec</c>: the key pair GetParametersForImport makes to wrap key material.</summary>
public enum WrappingKeySpec
{
    [JsonStringEnumMemberName("RSA_2048")] Rsa2048,
    [JsonStringEnumMemberName("RSA_3072")] Rsa3072,
    [JsonStringEnumMemberName("RSA_4096")] Rsa4096,
    [JsonStringEnumMemberName("SM2")] Sm2,
}

/// <summary>KMS model enum <c>ExpirationModelType</c>.</summary>
public enum ExpirationModelType
{
    [JsonStringEnumMemberName("KEY_MATERIAL_EXPIRES")] KeyMaterialExpires,
    [JsonStringEnumMemberName("KEY_MATERIAL_DOES_NOT_EXPIRE")] KeyMaterialDoesNotExpire,
}
