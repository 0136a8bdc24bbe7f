using KmsService.Core.Errors;
using KmsService.Protocol;

namespace KmsService.Operations;

/// <summary>Tag limits of the model and of the service: keys 1..128, values 0..256, at most 50, no <c>aws:</c> keys.</summary>
internal static class TagRules
{
    public const int MaxTags = 50;

    public static Validator Tags(this Validator v, IReadOnlyList<Tag>? tags)
    {
        if (tags is null)
        {
            return v;
        }

        for (var i = 0; i < tags.Count; i++)
        {
            var member = $"tags.{i + 1}.member";
            v.NotNull(tags[i].TagKey, $"{member}.tagKey").Length(tags[i].TagKey, 1, 128, $"{member}.tagKey")
             .NotNull(tags[i].TagValue, $"{member}.tagValue").Length(tags[i].TagValue, 0, 256, $"{member}.tagValue");
        }

        return v;
    }

    /// <summary>The service's TagException rules, after the model's constraints passed.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Check(IReadOnlyList<Tag>? tags)
    {
        if (tags is null || tags.Count == 0)
        {
            return [];
        }

        if (tags.Count > MaxTags)
        {
            throw new TagException("Too many tags");
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
}
