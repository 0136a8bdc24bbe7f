using System.Text.RegularExpressions;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations.Rules;

/// <summary>The rules of GetParametersForImport and ImportKeyMaterial that the service model does not state (ImportKeyMaterial
/// and GetParametersForImport API reference; KMS Developer Guide "Importing key material").</summary>
internal static partial class ImportRules
{
    /// <summary>Wrapping public key and import token are valid for 24 hours.</summary>
    public static readonly TimeSpan ParametersLifetime = TimeSpan.FromHours(24);

    /// <summary>ValidTo is at most 365 days after the request (ImportKeyMaterial, ValidTo).</summary>
    public const int MaxValidToDays = 365;

    /// <summary>Model pattern of BackingKeyIdType (64 lower-case hex characters).</summary>
    [GeneratedRegex("^[a-f0-9]+$")]
    private static partial Regex MaterialIdPattern();

    /// <summary>Model pattern of KeyMaterialDescriptionType.</summary>
    [GeneratedRegex(@"^[a-zA-Z0-9:/_\s.-]+$")]
    private static partial Regex DescriptionPattern();

    public static Validator MaterialId(this Validator v, string? value, string member) =>
        v.Length(value, 64, 64, member)
            .Check(value is null || MaterialIdPattern().IsMatch(value), PatternViolation(value, member, "^[a-f0-9]+$"));

    public static Validator MaterialDescription(this Validator v, string? value, string member) =>
        v.Length(value, 0, 256, member)
            .Check(string.IsNullOrEmpty(value) || DescriptionPattern().IsMatch(value), PatternViolation(value, member, @"^[a-zA-Z0-9:/_\s.-]+$"));

    /// <summary>RSAES_PKCS1_V1_5 has not been accepted since 10 October 2023; SM2 wrapping only in the China Regions,
    /// and only SM2PKE with an SM2 wrapping key and RSA algorithms with RSA wrapping keys.</summary>
    public static void CheckWrapping(AlgorithmSpec algorithm, WrappingKeySpec spec, string partition)
    {
        if (algorithm == AlgorithmSpec.RsaesPkcs1V15)
        {
            throw new ValidationException(
                "The RSAES_PKCS1_V1_5 wrapping algorithm is no longer supported. Use RSAES_OAEP_SHA_256, RSAES_OAEP_SHA_1, RSA_AES_KEY_WRAP_SHA_256 or RSA_AES_KEY_WRAP_SHA_1.");
        }

        if ((algorithm == AlgorithmSpec.Sm2Pke || spec == WrappingKeySpec.Sm2) && !KeySpecs.IsOfferedIn(KeySpec.Sm2, partition))
        {
            throw new UnsupportedOperationException("WrappingKeySpec SM2 and WrappingAlgorithm SM2PKE are not supported in this Region");
        }

        if ((algorithm == AlgorithmSpec.Sm2Pke) != (spec == WrappingKeySpec.Sm2))
        {
            throw new ValidationException(
                $"WrappingAlgorithm {WireNames<AlgorithmSpec>.Name(algorithm)} is not compatible with WrappingKeySpec {WireNames<WrappingKeySpec>.Name(spec)}");
        }
    }

    /// <summary>ExpirationModel (default KEY_MATERIAL_EXPIRES) and ValidTo: ValidTo is required when the material
    /// expires, not allowed when it does not, and must lie in the next 365 days.</summary>
    public static ExpirationModelType CheckExpiration(string? expirationModel, DateTimeOffset? validTo, DateTimeOffset now)
    {
        var model = expirationModel is null ? ExpirationModelType.KeyMaterialExpires : WireNames<ExpirationModelType>.Parse(expirationModel);
        if (model == ExpirationModelType.KeyMaterialExpires && validTo is null)
        {
            // Recorded from AWS: no final period.
            throw new ValidationException("A validTo date must be set if the ExpirationModel is KEY_MATERIAL_EXPIRES");
        }

        if (model == ExpirationModelType.KeyMaterialDoesNotExpire && validTo is not null)
        {
            throw new ValidationException("A validTo date must not be set if the ExpirationModel is KEY_MATERIAL_DOES_NOT_EXPIRE");
        }

        if (validTo is { } date && (date <= now || date > now.AddDays(MaxValidToDays)))
        {
            throw new ValidationException($"The validTo date must be in the future and at most {MaxValidToDays} days from now.");
        }

        return model;
    }

    private static string PatternViolation(string? value, string member, string pattern) =>
        $"Value '{Validator.Echo(value ?? string.Empty)}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}";
}
