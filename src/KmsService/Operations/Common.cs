using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Model constraints shared by many operations.</summary>
internal static class Common
{
    public const int MaxKeyIdLength = 2048;

    /// <summary>A required KeyId-typed member: present, 1..2048 characters.</summary>
    public static Validator KeyId(this Validator v, string? value, string member) =>
        v.NotNull(value, member).Length(value, 1, MaxKeyIdLength, member);

    /// <summary>Most characters the keys and values of one encryption context may have together. AWS documents no limit
    /// for requests (its grant constraints allow 8 pairs of at most 384 characters); policy conditions are matched
    /// against these strings, so this service bounds them.</summary>
    public const int MaxEncryptionContextCharacters = 8192;

    /// <summary>An EncryptionContextType member: at most <see cref="MaxEncryptionContextCharacters"/> characters of
    /// keys and values together. The value is never echoed.</summary>
    public static Validator EncryptionContext(this Validator v, Dictionary<string, string>? pairs, string member)
    {
        if (pairs is null)
        {
            return v;
        }

        long characters = 0;
        foreach (var (key, value) in pairs)
        {
            characters += key.Length + (value?.Length ?? 0);
        }

        return characters <= MaxEncryptionContextCharacters
            ? v
            : v.Check(false, $"Value at '{member}' failed to satisfy constraint: Member must have keys and values of at most {MaxEncryptionContextCharacters} characters together");
    }

    /// <summary>GrantTokens: at most 10, each 1..8192 characters.</summary>
    public static Validator GrantTokens(this Validator v, IReadOnlyList<string>? tokens) =>
        v.Count(tokens, 0, 10, "grantTokens").EachLength(tokens, 1, 8192, "grantTokens");

    /// <summary>The members of a <c>RecipientInfo</c>: KeyEncryptionAlgorithm of the model's enum, AttestationDocument
    /// 1..262144 bytes; checked as any member is before the parameter is refused.</summary>
    public static Validator Recipient(this Validator v, RecipientInfo? recipient) =>
        recipient is null ? v : v
            .Check(
                recipient.KeyEncryptionAlgorithm is null or "RSAES_OAEP_SHA_256",
                $"Value '{Validator.Echo(recipient.KeyEncryptionAlgorithm ?? string.Empty)}' at 'recipient.keyEncryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RSAES_OAEP_SHA_256]")
            .Length(recipient.AttestationDocument, 1, 262144, "recipient.attestationDocument");

    /// <summary>Nitro Enclaves attestation (<c>Recipient</c>) is not supported; say so instead of ignoring it.</summary>
    public static void RejectRecipient(object? recipient)
    {
        if (recipient is not null)
        {
            throw new UnsupportedOperationException("KmsService does not support the Recipient parameter (Nitro Enclaves attestation).");
        }
    }

    public static void ThrowIfDryRun(bool? dryRun)
    {
        if (dryRun == true)
        {
            throw new DryRunOperationException("The request would have succeeded, but the DryRun option is set.");
        }
    }

    public static string Name(this KeySpec spec) => WireNames<KeySpec>.Name(spec);
}

/// <summary>Model shape <c>RecipientInfo</c>; accepted only to be refused clearly.</summary>
internal sealed record RecipientInfo(string? KeyEncryptionAlgorithm, byte[]? AttestationDocument);

/// <summary>Model shape <c>Tag</c>.</summary>
internal sealed record Tag(string? TagKey, string? TagValue);
