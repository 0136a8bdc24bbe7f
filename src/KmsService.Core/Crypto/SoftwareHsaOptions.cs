namespace KmsService.Core.Crypto;

/// <summary>Limits of the software HSA's cache of unwrapped backing keys.</summary>
public sealed class SoftwareHsaOptions
{
    /// <summary>How long an unwrapped backing key may stay in memory after it was unwrapped; zero disables the cache.</summary>
    public TimeSpan CacheTimeToLive { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Most unwrapped backing keys held at once; zero disables the cache.</summary>
    public int MaxCachedKeys { get; set; } = 10_000;
}
