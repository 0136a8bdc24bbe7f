using System.Text;
using System.Text.Unicode;
using KmsService.Core.Errors;
using KmsService.Core.Keys;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Tag limits of the model and of the service: keys 1..128, values 0..256, at most 50, no <c>aws:</c> keys.</summary>
internal static class TagRules
{
    public const int MaxTags = 50;
    public const int MaxTagKeyLength = 128;

    // Version byte of the ListResourceTags marker: base64 of this byte and the UTF-8 of the last tag key returned.
    private const byte MarkerVersion = 1;

    public static Validator Tags(this Validator v, IReadOnlyList<Tag>? tags)
    {
        if (tags is null)
        {
            return v;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var member = $"tags.{i + 1}.member";
            v.NotNull(tags[i].TagKey, $"{member}.tagKey").Length(tags[i].TagKey, 1, MaxTagKeyLength, $"{member}.tagKey")
             .NotNull(tags[i].TagValue, $"{member}.tagValue").Length(tags[i].TagValue, 0, 256, $"{member}.tagValue");
        }

        return v;
    }

    /// <summary>UntagResource's <c>TagKeys</c>: each 1..128 characters.</summary>
    public static Validator TagKeys(this Validator v, IReadOnlyList<string>? tagKeys) =>
        v.EachLength(tagKeys, 1, MaxTagKeyLength, "tagKeys");

    /// <summary>The service's TagException rules, after the model's constraints passed.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Check(IReadOnlyList<Tag>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return [];
        }

        if (tags.Count > MaxTags)
        {
            throw TooMany();
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, string>>(tags.Count);
        foreach (var tag in tags)
        {
            if (tag.TagKey!.StartsWith("aws:", StringComparison.OrdinalIgnoreCase))
            {
                throw new TagException("Tags beginning with aws: are reserved");
            }

            if (!seen.Add(tag.TagKey))
            {
                throw new TagException("Duplicate tag keys");
            }

            result.Add(new(tag.TagKey, tag.TagValue!));
        }

        return result;
    }

    /// <summary>The per-key limit, checked on the tags a key would have after TagResource merged the request's.</summary>
    public static void EnsureWithinLimit(int tagCountAfterMerge)
    {
        // AWS answers a request of 51 tags with TagException "Too many tags"; the same limit on the merged set
        // gets the same answer here.
        if (tagCountAfterMerge > MaxTags)
        {
            throw TooMany();
        }
    }

    /// <summary>The NextMarker that continues a tag listing after <paramref name="lastTagKey"/>.</summary>
    public static string Marker(string lastTagKey)
    {
        var bytes = new byte[1 + Encoding.UTF8.GetByteCount(lastTagKey)];
        bytes[0] = MarkerVersion;
        Encoding.UTF8.GetBytes(lastTagKey, bytes.AsSpan(1));
        return Convert.ToBase64String(bytes);
    }

    /// <summary>The last tag key of the previous page, from a marker we issued; anything else is InvalidMarkerException.</summary>
    public static string AfterTagKey(string marker)
    {
        var buffer = new byte[marker.Length];
        if (!Convert.TryFromBase64String(marker, buffer, out var written)
            || written < 2
            || buffer[0] != MarkerVersion
            || !Utf8.IsValid(buffer.AsSpan(1, written - 1)))
        {
            throw InvalidMarker();
        }

        var tagKey = Encoding.UTF8.GetString(buffer, 1, written - 1);
        return tagKey.Length <= MaxTagKeyLength ? tagKey : throw InvalidMarker();
    }

    private static TagException TooMany() => new("Too many tags");

    private static InvalidMarkerException InvalidMarker() => new("The marker that you specified is not valid.");
}
