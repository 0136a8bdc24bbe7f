namespace KmsService.Core.Crypto;

/// <summary>What a ciphertext blob says about the key that made it: the key ARN and the backing-key id.</summary>
/// <param name="KeyArn">ARN of the KMS key.</param>
/// <param name="MaterialId">Id of the backing key (<see cref="KeyMaterialId"/>).</param>
public readonly record struct CiphertextHeader(string KeyArn, string MaterialId);
