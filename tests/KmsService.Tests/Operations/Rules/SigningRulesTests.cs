using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Operations.Rules;

namespace KmsService.Tests.Operations.Rules;

/// <summary>The message-type and digest-length rules of every signing algorithm, including those whose key specs
/// (Ed25519, ML-DSA, SM2) the service tests cannot create yet.</summary>
public sealed class SigningRulesTests
{
    [Theory]
    [InlineData(SigningAlgorithmSpec.EcdsaSha256, MessageType.Digest, 32)]
    [InlineData(SigningAlgorithmSpec.EcdsaSha384, MessageType.Digest, 48)]
    [InlineData(SigningAlgorithmSpec.EcdsaSha512, MessageType.Digest, 64)]
    [InlineData(SigningAlgorithmSpec.RsassaPssSha384, MessageType.Digest, 48)]
    [InlineData(SigningAlgorithmSpec.RsassaPkcs1V15Sha512, MessageType.Digest, 64)]
    [InlineData(SigningAlgorithmSpec.Sm2Dsa, MessageType.Digest, 32)]
    [InlineData(SigningAlgorithmSpec.Sm2Dsa, MessageType.Raw, 4096)]
    [InlineData(SigningAlgorithmSpec.Ed25519Sha512, MessageType.Raw, 1)]
    [InlineData(SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, 64)]
    [InlineData(SigningAlgorithmSpec.MlDsaShake256, MessageType.Raw, 4096)]
    [InlineData(SigningAlgorithmSpec.MlDsaShake256, MessageType.ExternalMu, 64)]
    public void EnsureMessageFits_AcceptedTypeAndLength_Passes(SigningAlgorithmSpec algorithm, MessageType messageType, int length) =>
        SigningRules.EnsureMessageFits(algorithm, messageType, length);

    [Theory]
    [InlineData(SigningAlgorithmSpec.Ed25519Sha512, MessageType.Digest, "Message type DIGEST is incompatible with algorithm ED25519_SHA_512.")]
    [InlineData(SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Raw, "Message type RAW is incompatible with algorithm ED25519_PH_SHA_512.")]
    [InlineData(SigningAlgorithmSpec.MlDsaShake256, MessageType.Digest, "Message type DIGEST is incompatible with algorithm ML_DSA_SHAKE_256.")]
    [InlineData(SigningAlgorithmSpec.Sm2Dsa, MessageType.ExternalMu, "Message type EXTERNAL_MU is incompatible with algorithm SM2DSA.")]
    [InlineData(SigningAlgorithmSpec.RsassaPssSha256, MessageType.ExternalMu, "Message type EXTERNAL_MU is incompatible with algorithm RSASSA_PSS_SHA_256.")]
    public void EnsureMessageFits_TypeTheAlgorithmRefuses_ThrowsValidation(SigningAlgorithmSpec algorithm, MessageType messageType, string message)
    {
        var e = Assert.Throws<ValidationException>(() => SigningRules.EnsureMessageFits(algorithm, messageType, 64));
        Assert.Equal(message, e.Message);
    }

    [Theory]
    [InlineData(SigningAlgorithmSpec.Sm2Dsa, MessageType.Digest, 64, "SM2DSA")]
    [InlineData(SigningAlgorithmSpec.Ed25519PhSha512, MessageType.Digest, 32, "ED25519_PH_SHA_512")]
    [InlineData(SigningAlgorithmSpec.MlDsaShake256, MessageType.ExternalMu, 32, "ML_DSA_SHAKE_256")]
    [InlineData(SigningAlgorithmSpec.EcdsaSha256, MessageType.Digest, 33, "ECDSA_SHA_256")]
    public void EnsureMessageFits_WrongDigestLength_ThrowsValidation(SigningAlgorithmSpec algorithm, MessageType messageType, int length, string name)
    {
        var e = Assert.Throws<ValidationException>(() => SigningRules.EnsureMessageFits(algorithm, messageType, length));
        Assert.Equal($"Digest is invalid length for algorithm {name}.", e.Message);
    }

    [Theory]
    [InlineData(KeySpec.EccNistEdwards25519, SigningAlgorithmSpec.Ed25519Sha512, true)]
    [InlineData(KeySpec.EccNistEdwards25519, SigningAlgorithmSpec.Ed25519PhSha512, true)]
    [InlineData(KeySpec.EccNistEdwards25519, SigningAlgorithmSpec.EcdsaSha512, false)]
    [InlineData(KeySpec.MlDsa44, SigningAlgorithmSpec.MlDsaShake256, true)]
    [InlineData(KeySpec.MlDsa87, SigningAlgorithmSpec.Ed25519Sha512, false)]
    [InlineData(KeySpec.Sm2, SigningAlgorithmSpec.Sm2Dsa, true)]
    [InlineData(KeySpec.Sm2, SigningAlgorithmSpec.EcdsaSha256, false)]
    [InlineData(KeySpec.EccSecgP256K1, SigningAlgorithmSpec.EcdsaSha256, true)]
    [InlineData(KeySpec.Hmac256, SigningAlgorithmSpec.EcdsaSha256, false)]
    [InlineData(KeySpec.SymmetricDefault, SigningAlgorithmSpec.RsassaPssSha256, false)]
    public void EnsureAlgorithmFits_AlgorithmOfTheSpecOrNot(KeySpec spec, SigningAlgorithmSpec algorithm, bool fits)
    {
        if (fits)
        {
            SigningRules.EnsureAlgorithmFits(spec, algorithm);
            return;
        }

        var e = Assert.Throws<InvalidKeyUsageException>(() => SigningRules.EnsureAlgorithmFits(spec, algorithm));
        Assert.Equal(
            $"Algorithm {WireNames<SigningAlgorithmSpec>.Name(algorithm)} is incompatible with key spec {WireNames<KeySpec>.Name(spec)}.", e.Message);
    }
}
