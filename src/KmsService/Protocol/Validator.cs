using System.Globalization;
using KmsService.Core.Errors;
using KmsService.Core.Keys;

namespace KmsService.Protocol;

/// <summary>Collects model-constraint violations and throws one ValidationException in AWS's wording:
/// "1 validation error detected: Value '0' at 'numberOfBytes' failed to satisfy constraint: …".</summary>
internal sealed class Validator
{
    /// <summary>Most characters of a value that a message echoes (<see cref="Echo"/>): more than any echoed member
    /// whose limit AWS's recorded messages show in full (a 257-character tag value) and than a Marker's 1024, far less
    /// than a 131072-character policy, which would otherwise come back whole in the error body.</summary>
    public const int MaxEchoedCharacters = 1024;

    private List<string>? _errors;

    /// <summary>A request value as a message echoes it: whole up to <see cref="MaxEchoedCharacters"/>, else its first
    /// characters and "..." (never half of a surrogate pair, which could not be written as JSON).</summary>
    public static string Echo(string value)
    {
        if (value.Length <= MaxEchoedCharacters)
        {
            return value;
        }

        var cut = char.IsHighSurrogate(value[MaxEchoedCharacters - 1]) ? MaxEchoedCharacters - 1 : MaxEchoedCharacters;
        return string.Concat(value.AsSpan(0, cut), "...");
    }

    public Validator NotNull(object? value, string member)
    {
        if (value is null)
        {
            Add($"Value null at '{member}' failed to satisfy constraint: Member must not be null");
        }

        return this;
    }

    /// <summary>String length limits; the value is echoed (<see cref="Echo"/>), as AWS does for non-sensitive strings.</summary>
    public Validator Length(string? value, int min, int max, string member)
    {
        if (value is null)
        {
            return this;
        }

        if (value.Length < min)
        {
            Add($"Value '{Echo(value)}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
        else if (value.Length > max)
        {
            Add($"Value '{Echo(value)}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }

        return this;
    }

    /// <summary>Blob length limits; blobs are never echoed.</summary>
    public Validator Length(byte[]? value, int min, int max, string member)
    {
        if (value is null)
        {
            return this;
        }

        if (value.Length < min)
        {
            Add($"Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
        else if (value.Length > max)
        {
            Add($"Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }

        return this;
    }

    public Validator Range(int? value, int min, int max, string member)
    {
        if (value is null)
        {
            return this;
        }

        var text = value.Value.ToString(CultureInfo.InvariantCulture);
        if (value < min)
        {
            Add($"Value '{text}' at '{member}' failed to satisfy constraint: Member must have value greater than or equal to {min}");
        }
        else if (value > max)
        {
            Add($"Value '{text}' at '{member}' failed to satisfy constraint: Member must have value less than or equal to {max}");
        }

        return this;
    }

    public Validator Count<T>(IReadOnlyCollection<T>? value, int min, int max, string member)
    {
        if (value is null)
        {
            return this;
        }

        if (value.Count < min)
        {
            Add($"Value at '{member}' failed to satisfy constraint: Member must have length greater than or equal to {min}");
        }
        else if (value.Count > max)
        {
            Add($"Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {max}");
        }

        return this;
    }

    /// <summary>The value must be one of the model enum's wire names.</summary>
    public Validator Enum<T>(string? value, string member)
        where T : struct, Enum
    {
        if (value is not null && !WireNames<T>.TryParse(value, out _))
        {
            Add($"Value '{Echo(value)}' at '{member}' failed to satisfy constraint: Member must satisfy enum value set: [{string.Join(", ", WireNames<T>.AllNames)}]");
        }

        return this;
    }

    /// <summary>Each item of a string list within the given length range (GrantTokens and the like).</summary>
    public Validator EachLength(IReadOnlyList<string>? values, int min, int max, string member)
    {
        if (values is null)
        {
            return this;
        }

        for (var i = 0; i < values.Count; i++)
        {
            Length(values[i], min, max, $"{member}.{i + 1}.member");
        }

        return this;
    }

    public Validator Check(bool ok, string constraintViolation)
    {
        if (!ok)
        {
            Add(constraintViolation);
        }

        return this;
    }

    public void ThrowIfAny()
    {
        if (_errors is null)
        {
            return;
        }

        var n = _errors.Count;
        var head = n == 1 ? "1 validation error detected: " : $"{n} validation errors detected: ";
        throw new ValidationException(head + string.Join("; ", _errors));
    }

    private void Add(string error) => (_errors ??= []).Add(error);
}
