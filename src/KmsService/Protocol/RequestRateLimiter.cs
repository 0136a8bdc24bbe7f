using System.Collections.Frozen;
using System.Threading.RateLimiting;
using KmsService.Core.Errors;
using KmsService.Hosting;

namespace KmsService.Protocol;

/// <summary>AWS KMS request quotas: a token bucket per account and quota (the shared cryptographic-operations quota,
/// or the operation's own), refilled ten times a second. A request over its quota is a ThrottlingException, which
/// every SDK retries with back-off.</summary>
internal sealed class RequestRateLimiter : IDisposable
{
    public const string Cryptographic = "CryptographicOperations";

    private readonly PartitionedRateLimiter<(string Account, string Quota)>? _limiter;
    private readonly FrozenDictionary<string, string> _quotaOf;
    private readonly FrozenDictionary<string, int> _rates;

    /// <summary>Quotas as the <paramref name="operations"/> declare them, with the configured rates overriding AWS's
    /// defaults.</summary>
    public RequestRateLimiter(RateLimitOptions options, bool isDevelopment, IEnumerable<KeyValuePair<string, RequestQuota>> operations)
    {
        var quotaOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var rates = new Dictionary<string, int>(StringComparer.Ordinal)
        {
            [Cryptographic] = options.CryptographicOperationsPerSecond,
        };
        foreach (var (operation, quota) in operations)
        {
            if (quota.IsCryptographic)
            {
                quotaOf[operation] = Cryptographic;
            }
            else if (quota.DefaultPerSecond > 0)
            {
                var name = quota.SharedName ?? operation;
                quotaOf[operation] = name;
                rates[name] = quota.DefaultPerSecond;
            }
        }

        foreach (var (operation, rate) in options.Operations)
        {
            // A configured rate gives any other operation a quota of its own; the shared one is configured as a whole.
            var quota = quotaOf.GetValueOrDefault(operation, operation);
            if (quota != Cryptographic)
            {
                quotaOf[operation] = quota;
                rates[quota] = rate;
            }
        }

        _quotaOf = quotaOf.ToFrozenDictionary(StringComparer.Ordinal);
        _rates = rates.ToFrozenDictionary(StringComparer.Ordinal);
        if (options.Enabled ?? !isDevelopment)
        {
            _limiter = PartitionedRateLimiter.Create<(string Account, string Quota), (string, string)>(
                key => RateLimitPartition.GetTokenBucketLimiter(key, k => Bucket(_rates[k.Item2])));
        }
    }

    public bool Enabled => _limiter is not null;

    /// <summary>Takes one request from the caller's quota for <paramref name="operation"/>, or throws ThrottlingException.</summary>
    public void Acquire(string account, string operation)
    {
        if (_limiter is null)
        {
            return;
        }

        if (!_quotaOf.TryGetValue(operation, out var quota))
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire((account, quota));
        if (!lease.IsAcquired)
        {
            throw new ThrottlingException("Rate exceeded");
        }
    }

    // A tenth of the rate every 100 ms, with a one-second burst. Below ten a second, one token every 1/rate seconds:
    // a token every 100 ms would make 2 a second (LookupEvents) or 5 (CreateKey) into 10.
    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = Math.Max(1, perSecond),
        TokensPerPeriod = Math.Max(1, perSecond / 10),
        ReplenishmentPeriod = perSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1.0 / Math.Max(1, perSecond)),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public void Dispose() => _limiter?.Dispose();
}
