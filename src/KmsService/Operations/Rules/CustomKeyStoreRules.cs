using System.Text.RegularExpressions;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations.Rules;

/// <summary>Model shape <c>XksProxyAuthenticationCredentialType</c>: both members are secrets (the model marks them
/// sensitive), so they are never echoed, logged or audited.</summary>
internal sealed record XksProxyAuthenticationCredential(string? AccessKeyId, string? RawSecretAccessKey);

/// <summary>
/// The custom key store operations' members, with the model's limits, patterns and enums, and their answers for an
/// account that has no custom key store: this service has no CloudHSM cluster and reaches no external key store proxy
/// (a hardware-backed HSA comes later, issue 14), so every custom key store id or name names nothing, and a new store
/// cannot be created because its CloudHSM cluster or proxy does not exist. Nothing is stored, nothing is connected to.
/// </summary>
internal static partial class CustomKeyStoreRules
{
    /// <summary>The model's patterns, verbatim, as AWS's validation message quotes them.</summary>
    public const string CloudHsmClusterIdPattern = "cluster-[2-7a-zA-Z]{11,16}";
    public const string XksProxyUriEndpointPattern = "^https://[a-zA-Z0-9.-]+$";
    public const string XksProxyUriPathPattern = @"^(/[a-zA-Z0-9\/_-]+/kms/xks/v\d{1,2})$|^(/kms/xks/v\d{1,2})$";
    public const string XksProxyVpcEndpointServiceNamePattern = @"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}\d+\.vpce-svc-[0-9a-z]+$";
    public const string AccountIdPattern = "[0-9]{12}";
    public const string AccessKeyIdPattern = "^[A-Z2-7]+$";
    public const string XksKeyIdPattern = "^[a-zA-Z0-9-_.]+$";
    public const string RawSecretAccessKeyPattern = @"^[a-zA-Z0-9\/+=]+$";

    /// <summary>A CustomKeyStoreIdType member (1..64), required where <paramref name="required"/>.</summary>
    public static Validator CustomKeyStoreId(this Validator v, string? value, bool required)
    {
        if (required)
        {
            v.NotNull(value, "customKeyStoreId");
        }

        return v.Length(value, 1, 64, "customKeyStoreId");
    }

    /// <summary>The members CreateCustomKeyStore and UpdateCustomKeyStore share, each with its model constraints;
    /// secrets (KeyStorePassword, the proxy credential) are checked without echoing their value.</summary>
    public static Validator StoreSettings(
        this Validator v,
        string? cloudHsmClusterId,
        string? keyStorePassword,
        string? xksProxyUriEndpoint,
        string? xksProxyUriPath,
        string? xksProxyVpcEndpointServiceName,
        string? xksProxyVpcEndpointServiceOwner,
        XksProxyAuthenticationCredential? credential,
        string? xksProxyConnectivity)
    {
        v.Length(cloudHsmClusterId, 19, 24, "cloudHsmClusterId")
            .Pattern(cloudHsmClusterId, ClusterId(), CloudHsmClusterIdPattern, "cloudHsmClusterId")
            .SecretLength(keyStorePassword, 7, 32, "keyStorePassword")
            .Length(xksProxyUriEndpoint, 10, 128, "xksProxyUriEndpoint")
            .Pattern(xksProxyUriEndpoint, UriEndpoint(), XksProxyUriEndpointPattern, "xksProxyUriEndpoint")
            .Length(xksProxyUriPath, 10, 128, "xksProxyUriPath")
            .Pattern(xksProxyUriPath, UriPath(), XksProxyUriPathPattern, "xksProxyUriPath")
            .Length(xksProxyVpcEndpointServiceName, 20, 64, "xksProxyVpcEndpointServiceName")
            .Pattern(xksProxyVpcEndpointServiceName, VpcEndpointServiceName(), XksProxyVpcEndpointServiceNamePattern, "xksProxyVpcEndpointServiceName")
            .Length(xksProxyVpcEndpointServiceOwner, 12, 12, "xksProxyVpcEndpointServiceOwner")
            .Pattern(xksProxyVpcEndpointServiceOwner, AccountId(), AccountIdPattern, "xksProxyVpcEndpointServiceOwner");
        if (credential is not null)
        {
            v.NotNull(credential.AccessKeyId, "xksProxyAuthenticationCredential.accessKeyId")
                .SecretLength(credential.AccessKeyId, 20, 30, "xksProxyAuthenticationCredential.accessKeyId")
                .SecretPattern(credential.AccessKeyId, AccessKeyId(), AccessKeyIdPattern, "xksProxyAuthenticationCredential.accessKeyId")
                .NotNull(credential.RawSecretAccessKey, "xksProxyAuthenticationCredential.rawSecretAccessKey")
                .SecretLength(credential.RawSecretAccessKey, 43, 64, "xksProxyAuthenticationCredential.rawSecretAccessKey")
                .SecretPattern(credential.RawSecretAccessKey, RawSecretAccessKey(), RawSecretAccessKeyPattern, "xksProxyAuthenticationCredential.rawSecretAccessKey");
        }

        return v.Enum<XksProxyConnectivityType>(xksProxyConnectivity, "xksProxyConnectivity");
    }

    /// <summary>The members a store of <paramref name="type"/> needs and the ones it cannot take, as the API reference
    /// of CreateCustomKeyStore lists them ("This parameter is required for custom key stores with a CustomKeyStoreType
    /// of …"). <paramref name="given"/> maps each member name to whether the request has it.</summary>
    public static void EnsureMembersFit(CustomKeyStoreType type, IReadOnlyList<(string Name, bool Present, CustomKeyStoreType For)> given)
    {
        foreach (var (name, present, forType) in given)
        {
            if (present && forType != type)
            {
                throw new ValidationException($"{name} is not valid for a custom key store with CustomKeyStoreType {WireNames<CustomKeyStoreType>.Name(type)}.");
            }
        }
    }

    /// <summary>A member the store's type needs, missing.</summary>
    public static ValidationException Required(string member, string condition) =>
        new($"{member} is required for a custom key store with {condition}.");

    /// <summary>The answer for any custom key store id or name: the account has none (model documentation of
    /// CustomKeyStoreNotFoundException: "KMS cannot find a custom key store with the specified key store name or ID").</summary>
    public static CustomKeyStoreNotFoundException NotFound(CallContext call, string idOrName) =>
        new($"Custom key store {idOrName} does not exist in account {call.AccountId} in {call.Region}.");

    /// <summary>CreateKey's XksKeyId (XksKeyIdType: 1..128 characters of the model's pattern).</summary>
    public static Validator XksKeyId(this Validator v, string? value) =>
        v.Pattern(value, XksKeyIdRegex(), XksKeyIdPattern, "xksKeyId");

    private static Validator Pattern(this Validator v, string? value, Regex regex, string pattern, string member) =>
        v.Check(
            value is null || regex.IsMatch(value),
            $"Value '{Validator.Echo(value ?? string.Empty)}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}");

    // Sensitive members (KeyStorePasswordType, XksProxyAuthentication*Type): the value is never echoed.
    private static Validator SecretLength(this Validator v, string? value, int min, int max, string member) =>
        v.Check(value is null || value.Length >= min, $"Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}")
            .Check(value is null || value.Length <= max, $"Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");

    private static Validator SecretPattern(this Validator v, string? value, Regex regex, string pattern, string member) =>
        v.Check(
            value is null || regex.IsMatch(value),
            $"Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {pattern}");

    // The model's patterns match the whole value (AWS validates with a full match): anchored at both ends here, with \z
    // so that a final newline does not slip through as it would before $.
    [GeneratedRegex(@"^cluster-[2-7a-zA-Z]{11,16}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ClusterId();

    [GeneratedRegex(@"^https://[a-zA-Z0-9.-]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex UriEndpoint();

    [GeneratedRegex(@"^(/[a-zA-Z0-9\/_-]+/kms/xks/v[0-9]{1,2})\z|^(/kms/xks/v[0-9]{1,2})\z", RegexOptions.CultureInvariant)]
    private static partial Regex UriPath();

    [GeneratedRegex(@"^(com|eu)\.amazonaws\.vpce\.([a-z]+-){2,3}[0-9]+\.vpce-svc-[0-9a-z]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex VpcEndpointServiceName();

    [GeneratedRegex(@"^[0-9]{12}\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccountId();

    [GeneratedRegex(@"^[A-Z2-7]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex AccessKeyId();

    [GeneratedRegex(@"^[a-zA-Z0-9\/+=]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex RawSecretAccessKey();

    [GeneratedRegex(@"^[a-zA-Z0-9\-_.]+\z", RegexOptions.CultureInvariant)]
    private static partial Regex XksKeyIdRegex();
}

/// <summary>CreateKey's custom key store members (API reference, CreateKey: Origin, CustomKeyStoreId, XksKeyId): a
/// key in an CloudHSM key store has Origin AWS_CLOUDHSM and a CustomKeyStoreId; one in an external key store has
/// Origin EXTERNAL_KEY_STORE, a CustomKeyStoreId and an XksKeyId; "XksKeyId … is not valid for KMS keys with any other
/// Origin value"; only symmetric encryption keys in a single Region live in a custom key store.</summary>
internal static class CustomKeyStoreKeys
{
    /// <summary>Whether the request asks for a key in a custom key store, once its members fit together; a
    /// ValidationException says what does not fit.</summary>
    public static bool EnsureWellFormed(string? origin, string? customKeyStoreId, string? xksKeyId, KeySpec spec, KeyUsageType usage, bool multiRegion)
    {
        var inStore = origin is "AWS_CLOUDHSM" or "EXTERNAL_KEY_STORE";
        if (xksKeyId is not null && origin is not "EXTERNAL_KEY_STORE")
        {
            throw new ValidationException("XksKeyId is valid only for a KMS key with an Origin of EXTERNAL_KEY_STORE.");
        }

        if (!inStore)
        {
            return customKeyStoreId is null
                ? false
                : throw new ValidationException("CustomKeyStoreId is valid only for a KMS key with an Origin of AWS_CLOUDHSM or EXTERNAL_KEY_STORE.");
        }

        _ = customKeyStoreId ?? throw new ValidationException($"A KMS key with an Origin of {origin} requires a CustomKeyStoreId.");
        if (origin is "EXTERNAL_KEY_STORE" && xksKeyId is null)
        {
            throw new ValidationException("A KMS key with an Origin of EXTERNAL_KEY_STORE requires an XksKeyId.");
        }

        if (spec != KeySpec.SymmetricDefault || usage != KeyUsageType.EncryptDecrypt || multiRegion)
        {
            throw new ValidationException("A custom key store holds only symmetric encryption KMS keys in a single Region: KeySpec SYMMETRIC_DEFAULT, KeyUsage ENCRYPT_DECRYPT, MultiRegion false.");
        }

        return true;
    }
}
