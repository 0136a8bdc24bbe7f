using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace KmsService.Protocol;

/// <summary>
/// The request-content rules every operation shares, applied while the body is read, so that no operation sees them
/// broken: no list element and no map value is JSON <c>null</c> (a null member is an absent member), and no string
/// holds U+0000, which PostgreSQL cannot store and which SQLite would, so the two stores would disagree.
/// A violation is a <see cref="RequestContentException"/>, which <see cref="OperationTable"/> answers with
/// ValidationException naming the member.
/// </summary>
internal static class RequestContent
{
    public const string NotNull = "Member must not be null";
    public const string MapValueNotNull = "Map value must not be null";
    public const string NoNullCharacter = "Member must not contain the character U+0000";

    /// <summary>The string token the reader is on, U+0000 refused. Only an escaped string can hold U+0000 (JSON forbids
    /// a raw control character), so an unescaped one is not searched.</summary>
    public static string ReadString(ref Utf8JsonReader reader)
    {
        var value = reader.GetString()!;
        return reader.ValueIsEscaped && value.Contains('\0', StringComparison.Ordinal)
            ? throw new RequestContentException(string.Empty, NoNullCharacter)
            : value;
    }
}

/// <summary>A request member that breaks a <see cref="RequestContent"/> rule (<see cref="Violation"/> set), or a
/// value inside a list that could not be read (<see cref="Violation"/> null). <see cref="Suffix"/> is where, below
/// the JSON path the serializer records in <see cref="JsonException.Path"/> (<c>[0].TagKey</c>).</summary>
internal sealed class RequestContentException(string suffix, string? violation, Exception? inner = null)
    : JsonException(violation ?? "The value could not be read.", inner)
{
    public string Suffix { get; } = suffix;

    public string? Violation { get; } = violation;

    /// <summary>The JSON path of the member: the serializer's path and the suffix below it.</summary>
    public string FullPath => (Path ?? "$") + Suffix;
}

/// <summary>Strings, as the default converter reads and writes them, with U+0000 refused when read.</summary>
internal sealed class RequestStringConverter : JsonConverter<string>
{
    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        RequestContent.ReadString(ref reader);

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        RequestContent.ReadString(ref reader);

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) =>
        writer.WritePropertyName(value);
}

/// <summary>String-to-string maps (EncryptionContextType): a null value is refused, keys and values go through
/// <see cref="RequestContent.ReadString"/>; a repeated key keeps its last value, as the default converter does.</summary>
internal sealed class RequestStringMapConverter : JsonConverter<Dictionary<string, string>>
{
    public override Dictionary<string, string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException();
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            var key = RequestContent.ReadString(ref reader);
            reader.Read();
            map[key] = reader.TokenType switch
            {
                JsonTokenType.String => RequestContent.ReadString(ref reader),
                JsonTokenType.Null => throw new RequestContentException(string.Empty, RequestContent.MapValueNotNull),
                _ => throw new JsonException(),
            };
        }

        return map;
    }

    public override void Write(Utf8JsonWriter writer, Dictionary<string, string> value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        foreach (var (key, item) in value)
        {
            writer.WriteString(key, item);
        }

        writer.WriteEndObject();
    }
}

/// <summary>Lists of a model shape: a null element is refused; elements are read as the context reads
/// <typeparamref name="T"/> (strings through <see cref="RequestContent.ReadString"/>).</summary>
internal sealed class RequestListConverter<T> : JsonConverter<IReadOnlyList<T>>
    where T : class
{
    private JsonTypeInfo<T>? _element;

    public override IReadOnlyList<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException();
        }

        var list = new List<T>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                throw new RequestContentException(Index(list.Count), RequestContent.NotNull);
            }

            list.Add(ReadElement(ref reader, options, list.Count));
        }

        return list;
    }

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<T> value, JsonSerializerOptions options)
    {
        writer.WriteStartArray();
        var info = Element(options);
        foreach (var item in value)
        {
            JsonSerializer.Serialize(writer, item, info);
        }

        writer.WriteEndArray();
    }

    // Formatted only for an error: valid lists cost no string per element.
    private static string Index(int position) => $"[{position}]";

    private T ReadElement(ref Utf8JsonReader reader, JsonSerializerOptions options, int position)
    {
        try
        {
            if (typeof(T) == typeof(string))
            {
                // Read in place: no nested serializer call for the common string lists (GrantTokens).
                return reader.TokenType == JsonTokenType.String
                    ? (T)(object)RequestContent.ReadString(ref reader)
                    : throw new JsonException();
            }

            return JsonSerializer.Deserialize(ref reader, Element(options))!;
        }
        catch (RequestContentException e)
        {
            // From a nested read its Path is relative to the element ("$.TagKey"); from ours it has none.
            throw new RequestContentException(Index(position) + (e.Path?[1..] ?? string.Empty) + e.Suffix, e.Violation, e);
        }
        catch (JsonException e)
        {
            throw new RequestContentException(Index(position) + (e.Path?[1..] ?? string.Empty), null, e);
        }
        catch (InvalidOperationException e)
        {
            // The reader's own errors (invalid UTF-8, a lone surrogate), as the serializer would report them.
            throw new RequestContentException(Index(position), null, e);
        }
    }

    private JsonTypeInfo<T> Element(JsonSerializerOptions options) =>
        _element ??= (JsonTypeInfo<T>)options.GetTypeInfo(typeof(T));
}
