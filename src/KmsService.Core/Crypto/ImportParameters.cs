namespace KmsService.Core.Crypto;

/// <summary>What GetParametersForImport hands out: the wrapping public key (DER SubjectPublicKeyInfo) and the import
/// token, a blob sealed by the HSA that carries the wrapping private key; neither reveals anything without the root key.</summary>
public sealed record ImportParameters(byte[] PublicKey, byte[] ImportToken);
