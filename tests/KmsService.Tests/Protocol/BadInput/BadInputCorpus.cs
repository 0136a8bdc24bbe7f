using System.Text;
using System.Text.Json;

namespace KmsService.Tests.Protocol.BadInput;

/// <summary>What a malformed request must get.</summary>
public enum Expect
{
    /// <summary>Not a JSON object at all: SerializationException, for every operation.</summary>
    Syntax,

    /// <summary>Larger than the service takes: ValidationException, for every operation.</summary>
    TooLarge,

    /// <summary>A member of the wrong JSON type or an undecodable value: SerializationException.</summary>
    Serialization,

    /// <summary>A member that breaks a model constraint or a request-content rule: ValidationException.</summary>
    Validation,

    /// <summary>A null member is an absent one, an unknown member is ignored: the same answer as the base request.</summary>
    SameAsBase,

    /// <summary>An odd key identifier: NotFoundException, or what the base request (a key that does not exist) gets.</summary>
    KeyLookup,
}

/// <summary>One malformed request: the operation, what was done to its base request, the body, the expectation.</summary>
public sealed record BadInputCase(string Operation, string What, byte[] Body, Expect Expect)
{
    public override string ToString() => $"{Operation} {What}";
}

/// <summary>
/// Malformed requests for every operation of the KMS model, generated from its shapes (kms-service-2.json): for each
/// operation a base request (its required members, with plausible values and a key that does not exist), then the base
/// with one member (or one member of a nested structure, list element or map) replaced by a value of the wrong JSON
/// type, null, an empty string, a value past the model's limits, invalid base64, invalid UTF-8, a lone surrogate,
/// U+0000, a value outside the enum, an odd key id; and bodies that are not JSON objects, nested too deep or too large.
/// </summary>
public sealed class BadInputCorpus
{
    /// <summary>A key id that is well formed and exists nowhere.</summary>
    public const string MissingKeyId = "0f8e7a6b-5c4d-4e3f-8a1b-2c3d4e5f6a7b";

    private const string Unknown = "CorpusUnknownMember";

    private static readonly string[] OddKeyIds =
    [
        "fake-key-id", "alias/corpus-missing", "arn:aws:kms:us-east-1:000000000000:key/fake", "mrk-fake-key-id",
        "0f8e7a6b5c4d4e3f8a1b2c3d4e5f6a7b", $"arn:aws:kms:eu-west-1:000000000000:key/{MissingKeyId}",
        $"arn:aws:kms:us-east-1:000000000000:alias/corpus-missing", " ", "alias/", "arn:aws:kms",
    ];

    private readonly JsonElement _shapes;

    private BadInputCorpus(JsonDocument model)
    {
        Model = model;
        _shapes = model.RootElement.GetProperty("shapes");
        Operations = [.. model.RootElement.GetProperty("operations").EnumerateObject().Select(o => o.Name).Order(StringComparer.Ordinal)];
    }

    public JsonDocument Model { get; }

    public IReadOnlyList<string> Operations { get; }

    /// <summary>The model copied into the test project (see README.md beside it).</summary>
    public static BadInputCorpus Load() =>
        new(JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Protocol", "BadInput", "kms-service-2.json"))));

    /// <summary>The base request of an operation: its required members with plausible values.</summary>
    public byte[] Base(string operation) => Encoding.UTF8.GetBytes(Sample(InputShape(operation)));

    public IEnumerable<BadInputCase> Cases(string operation)
    {
        var input = InputShape(operation);
        var baseBody = Sample(input);

        // Bodies that are not a JSON object of any shape, for every operation.
        foreach (var (what, body) in new[]
        {
            ("body not JSON", "{not json"), ("body an array", "[]"), ("body null", "null"), ("body a string", "\"text\""),
            ("body a number", "5"), ("body with trailing data", baseBody + " x"), ("body truncated", baseBody[..^1]),
            ("body nested 200 deep", $"{{\"{Unknown}\":{new string('[', 200)}{new string(']', 200)}}}"),
        })
        {
            yield return new(operation, what, Encoding.UTF8.GetBytes(body), Expect.Syntax);
        }

        yield return new(operation, "body over 1 MiB", Encoding.UTF8.GetBytes($"{{\"{Unknown}\":\"{new string('a', 1024 * 1024)}\"}}"), Expect.TooLarge);
        yield return new(operation, "unknown member", With(input, Unknown, Encoding.UTF8.GetBytes("""{"x":[1,null,"\ud800",{"y":"\u0000"}]}""")), Expect.SameAsBase);

        foreach (var member in Members(input))
        {
            foreach (var (what, value, expect) in ValueCases(member.Shape, member.Required, depth: 0))
            {
                yield return new(operation, $"{member.Name}: {what}", With(input, member.Name, value), expect);
            }
        }
    }

    private JsonElement InputShape(string operation) =>
        Model.RootElement.GetProperty("operations").GetProperty(operation).TryGetProperty("input", out var input)
            ? Shape(input.GetProperty("shape").GetString()!)
            : JsonDocument.Parse("""{"type":"structure","members":{}}""").RootElement;

    private JsonElement Shape(string name) => _shapes.GetProperty(name);

    private static string ShapeName(JsonElement shapeRef) => shapeRef.GetProperty("shape").GetString()!;

    private IEnumerable<(string Name, string ShapeName, JsonElement Shape, bool Required)> Members(JsonElement structure)
    {
        var required = structure.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(e => e.GetString()!).ToHashSet() : [];
        foreach (var m in structure.GetProperty("members").EnumerateObject())
        {
            yield return (m.Name, ShapeName(m.Value), Shape(ShapeName(m.Value)), required.Contains(m.Name));
        }
    }

    /// <summary>The structure's base JSON with <paramref name="member"/> set to the raw bytes <paramref name="value"/>.</summary>
    private byte[] With(JsonElement structure, string member, byte[] value)
    {
        var others = Members(structure).Where(m => m.Required && m.Name != member).Select(m => $"\"{m.Name}\":{SampleOf(m.ShapeName, m.Shape)}");
        var head = Encoding.UTF8.GetBytes($"{{\"{member}\":");
        var tail = Encoding.UTF8.GetBytes(string.Concat(others.Select(o => "," + o)) + "}");
        return [.. head, .. value, .. tail];
    }

    private string Sample(JsonElement structure) =>
        "{" + string.Join(",", Members(structure).Where(m => m.Required).Select(m => $"\"{m.Name}\":{SampleOf(m.ShapeName, m.Shape)}")) + "}";

    /// <summary>A plausible value of a shape, as JSON.</summary>
    private string SampleOf(string name, JsonElement shape)
    {
        var min = Int(shape, "min") ?? 1;
        return Type(shape) switch
        {
            "string" when shape.TryGetProperty("enum", out var values) => Json(values[0].GetString()!),
            "string" => Json(name switch
            {
                "KeyIdType" => MissingKeyId,
                "AliasNameType" => "alias/corpus",
                "PrincipalIdType" => "arn:aws:iam::000000000000:root",
                "GrantNameType" => "corpus",
                "PolicyNameType" => "default",
                "GrantIdType" => new string('0', 64),
                "RegionType" => "us-west-2",
                "AccountIdType" => "000000000000",
                "PolicyType" => """{"Version":"2012-10-17","Statement":[]}""",
                _ => new string('x', Math.Max(min, 1)),
            }),
            "blob" => Json(Convert.ToBase64String(new byte[Math.Max(min, 1)])),
            "integer" or "long" => min.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "boolean" => "false",
            "timestamp" => "1700000000",
            "list" => $"[{SampleOf(ShapeName(shape.GetProperty("member")), Shape(ShapeName(shape.GetProperty("member"))))}]",
            "map" => """{"k":"v"}""",
            "structure" => Sample(shape),
            var other => throw new InvalidOperationException($"Shape type {other} of {name} is new: the corpus must learn it."),
        };
    }

    /// <summary>The malformed values of one member, with what each must get.</summary>
    private IEnumerable<(string What, byte[] Value, Expect Expect)> ValueCases(JsonElement shape, bool required, int depth)
    {
        foreach (var wrong in WrongTypes(Type(shape)))
        {
            yield return ($"{Type(shape)} as {wrong}", Utf8(wrong), Expect.Serialization);
        }

        if (required)
        {
            yield return ("null (required)", Utf8("null"), Expect.Validation);
        }
        else if (depth == 0)
        {
            yield return ("null", Utf8("null"), Expect.SameAsBase);
        }

        var min = Int(shape, "min");
        var max = Int(shape, "max");
        switch (Type(shape))
        {
            case "string":
                foreach (var c in StringCases(shape, min, max))
                {
                    yield return c;
                }

                break;
            case "blob":
                yield return ("invalid base64", Utf8("\"!!not base64!!\""), Expect.Serialization);
                yield return ("empty blob", Utf8("\"\""), Expect.Validation);
                if (max is { } maxBytes)
                {
                    yield return ($"blob of {maxBytes + 1} bytes", Utf8(Json(Convert.ToBase64String(new byte[maxBytes + 1]))), Expect.Validation);
                }

                break;
            case "integer" or "long":
                yield return ("integer past Int32", Utf8("2147483648"), Expect.Serialization);
                yield return ("integer as 1e400", Utf8("1e400"), Expect.Serialization);
                if (min is { } low)
                {
                    yield return ($"integer {low - 1}", Utf8((low - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), Expect.Validation);
                }

                if (max is { } high)
                {
                    yield return ($"integer {high + 1}", Utf8((high + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)), Expect.Validation);
                }

                break;
            case "list":
                var elementName = ShapeName(shape.GetProperty("member"));
                var element = Shape(elementName);
                yield return ("null element", Utf8("[null]"), Expect.Validation);
                yield return ("null element after a valid one", Utf8($"[{SampleOf(elementName, element)},null]"), Expect.Validation);
                if (max is { } maxItems)
                {
                    var items = string.Join(",", Enumerable.Repeat(SampleOf(elementName, element), maxItems + 1));
                    yield return ($"{maxItems + 1} elements", Utf8($"[{items}]"), Expect.Validation);
                }

                if (depth == 0)
                {
                    foreach (var (what, value, expect) in ValueCases(element, required: true, depth + 1))
                    {
                        yield return ($"element {what}", [(byte)'[', .. value, (byte)']'], expect);
                    }
                }

                break;
            case "map":
                yield return ("null map value", Utf8("""{"k":null}"""), Expect.Validation);
                yield return ("number map value", Utf8("""{"k":5}"""), Expect.Serialization);
                yield return ("object map value", Utf8("""{"k":{}}"""), Expect.Serialization);
                yield return ("U+0000 in a map key", Utf8("""{"k\u0000":"v"}"""), Expect.Validation);
                yield return ("U+0000 in a map value", Utf8("""{"k":"v\u0000"}"""), Expect.Validation);
                yield return ("lone surrogate in a map value", Utf8("""{"k":"\ud800"}"""), Expect.Serialization);
                yield return ("invalid UTF-8 in a map value", [.. Utf8("{\"k\":\"v"), 0xC3, 0x28, .. Utf8("\"}")], Expect.Serialization);
                break;
            case "structure" when depth <= 1:
                foreach (var m in Members(shape))
                {
                    foreach (var (what, value, expect) in ValueCases(m.Shape, m.Required, depth + 1))
                    {
                        yield return ($"{m.Name}: {what}", With(shape, m.Name, value), expect);
                    }
                }

                break;
        }
    }

    private static IEnumerable<(string What, byte[] Value, Expect Expect)> StringCases(JsonElement shape, int? min, int? max)
    {
        var isEnum = shape.TryGetProperty("enum", out _);
        if (min >= 1 || isEnum)
        {
            yield return ("empty string", Utf8("\"\""), Expect.Validation);
        }

        if (max is { } maxLength)
        {
            yield return ($"string of {maxLength + 1} characters", Utf8(Json(new string('a', maxLength + 1))), Expect.Validation);
        }

        if (isEnum)
        {
            yield return ("value outside the enum", Utf8("\"NOT_A_MODEL_VALUE\""), Expect.Validation);
        }

        yield return ("U+0000", Utf8("\"ab\\u0000c\""), Expect.Validation);
        yield return ("lone surrogate", Utf8("\"ab\\ud800c\""), Expect.Serialization);
        yield return ("invalid UTF-8", [.. Utf8("\"ab"), 0xFF, 0xFE, .. Utf8("c\"")], Expect.Serialization);
        yield return ("overlong UTF-8", [.. Utf8("\"ab"), 0xC0, 0xAF, .. Utf8("\"")], Expect.Serialization);
    }

    /// <summary>Key identifiers to try in a KeyIdType member.</summary>
    public IEnumerable<BadInputCase> KeyIdCases(string operation)
    {
        var input = InputShape(operation);
        foreach (var member in Members(input).Where(m => m.ShapeName == "KeyIdType"))
        {
            foreach (var id in OddKeyIds)
            {
                yield return new(operation, $"{member.Name}: odd key id '{id}'", With(input, member.Name, Utf8(Json(id))), Expect.KeyLookup);
            }
        }
    }

    private static IEnumerable<string> WrongTypes(string type) => type switch
    {
        "string" or "blob" => ["5", "true", "{}", "[]"],
        "integer" or "long" => ["\"1\"", "1.5", "true", "{}"],
        "boolean" => ["\"true\"", "1", "{}"],
        "timestamp" => ["\"yesterday\"", "{}"],
        "list" => ["\"x\"", "{}", "5"],
        "map" => ["[]", "\"x\"", "5"],
        "structure" => ["\"x\"", "[]", "5"],
        _ => [],
    };

    private static string Type(JsonElement shape) => shape.GetProperty("type").GetString()!;

    private static int? Int(JsonElement shape, string name) =>
        shape.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : null;

    private static string Json(string value) => JsonSerializer.Serialize(value);

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
