namespace KmsService.MicroBench;

/// <summary>A clock stopped at one instant, so that a signed request never expires during a run.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now;
}
