using System.Text.Json;
using System.Text.Json.Serialization;

namespace KmsService.Protocol;

/// <summary>AWS JSON 1.1 timestamps: a JSON number of seconds since the epoch, possibly fractional.</summary>
internal sealed class EpochSecondsConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var seconds = reader.GetDouble();
        return DateTimeOffset.UnixEpoch.AddTicks((long)Math.Round(seconds * TimeSpan.TicksPerSecond));
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        // Millisecond precision, as AWS sends (e.g. 1700000000.123).
        var ms = value.ToUnixTimeMilliseconds();
        writer.WriteNumberValue(ms / 1000m);
    }
}
