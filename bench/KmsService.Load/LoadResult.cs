using System.Text.Json.Serialization;

namespace KmsService.Load;

/// <summary>The figures of one measured run, as printed and as written with <c>--json</c>.</summary>
internal sealed record LoadResult
{
    public required string Target { get; init; }

    public required string Endpoint { get; init; }

    public required string Operation { get; init; }

    public required string Client { get; init; }

    public required int Concurrency { get; init; }

    public required double WarmupSeconds { get; init; }

    public required double MeasuredSeconds { get; init; }

    public required long Requests { get; init; }

    public required long Errors { get; init; }

    public required double RequestsPerSecond { get; init; }

    public required LatencySummary LatencyMs { get; init; }

    public required SortedDictionary<string, long> ErrorsByCode { get; init; }

    public required long WarmupRequests { get; init; }

    public required long WarmupErrors { get; init; }

    public double? ServerCpuMicrosPerRequest { get; init; }

    public double? ServerCpuCores { get; init; }

    public double? ServerRssMiBStart { get; init; }

    public double? ServerRssMiBEnd { get; init; }

    public required double ClientCpuMicrosPerRequest { get; init; }

    public double? MachineCpuMicrosPerRequest { get; init; }

    public required int PlaintextBytes { get; init; }

    public string? SignatureCheck { get; init; }

    public required DateTimeOffset StartedUtc { get; init; }

    public required int ProcessorCount { get; init; }
}

/// <summary>Latency percentiles (nearest rank over every measured request) in milliseconds.</summary>
internal sealed record LatencySummary(double Mean, double P50, double P90, double P99, double Max);

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(LoadResult))]
internal sealed partial class LoadJsonContext : JsonSerializerContext;
