using KmsService.Core.Crypto;

namespace KmsService.Core.Tests.Crypto;

/// <summary>Fixed inputs shared by the crypto tests.</summary>
internal static class TestKeys
{
    public const string KeyArn = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    public const string OtherKeyArn = "arn:aws:kms:us-east-1:111122223333:key/0987dcba-09fe-87dc-65ba-ab0987654321";

    public static byte[] Sequence(int start, int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(start + i);
        }

        return bytes;
    }

    public static KeyMaterial RandomRootKey() => KeyMaterial.Generate(SoftwareHsa.KeyLength);

    /// <summary>An HSA over a fresh random root key (which the HSA owns).</summary>
    public static SoftwareHsa NewHsa(TimeProvider? time = null, SoftwareHsaOptions? options = null) =>
        new(RandomRootKey(), time ?? new ManualTimeProvider(), options);

    public static EncryptionContext Context(params (string Key, string Value)[] pairs)
    {
        var dictionary = new Dictionary<string, string>();
        foreach (var (key, value) in pairs)
        {
            dictionary.Add(key, value);
        }

        return EncryptionContext.From(dictionary);
    }
}
