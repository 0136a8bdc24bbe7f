namespace KmsService.Core.Tests.Auth;

/// <summary>A clock that only moves when a test sets it.</summary>
internal sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
