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

    /// <summary>Default requests per second of each operation's own quota (AWS developer guide, "Request quotas").</summary>
    private static readonly FrozenDictionary<string, int> AwsDefaults = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["CancelKeyDeletion"] = 5,
        ["CreateAlias"] = 5,
        ["CreateGrant"] = 50,
        ["CreateKey"] = 5,
        ["DeleteAlias"] = 5,
        ["DescribeKey"] = 2000,
        ["DisableKey"] = 5,
        ["DisableKeyRotation"] = 5,
        ["EnableKey"] = 5,
        ["EnableKeyRotation"] = 5,
        ["GetKeyPolicy"] = 1000,
        ["GetKeyRotationStatus"] = 1000,
        ["GetPublicKey"] = 2000,
        ["ListAliases"] = 100,
        ["ListGrants"] = 100,
        ["ListKeyPolicies"] = 100,
        ["ListKeyRotations"] = 100,
        ["ListKeys"] = 100,
        ["ListResourceTags"] = 100,
        ["ListRetirableGrants"] = 100,
        ["PutKeyPolicy"] = 5,
        ["RetireGrant"] = 30,
        ["RevokeGrant"] = 30,
        ["RotateKeyOnDemand"] = 5,
        ["ScheduleKeyDeletion"] = 5,
        ["TagResource"] = 10,
        ["UntagResource"] = 10,
        ["UpdateAlias"] = 5,
        ["UpdateKeyDescription"] = 5,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenSet<string> CryptographicOperations = new[]
    {
        "Encrypt", "Decrypt", "ReEncrypt", "GenerateDataKey", "GenerateDataKeyWithoutPlaintext", "GenerateRandom",
        "GenerateMac", "VerifyMac",
    }.ToFrozenSet(StringComparer.Ordinal);

    private readonly PartitionedRateLimiter<(string Account, string Quota)>? _limiter;
    private readonly FrozenDictionary<string, int> _rates;

    public RequestRateLimiter(RateLimitOptions options, bool isDevelopment)
    {
        var rates = new Dictionary<string, int>(AwsDefaults, StringComparer.Ordinal)
        {
            [Cryptographic] = options.CryptographicOperationsPerSecond,
        };
        foreach (var (operation, rate) in options.Operations)
        {
            rates[operation] = rate;
        }

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

        var quota = CryptographicOperations.Contains(operation) ? Cryptographic : operation;
        if (!_rates.ContainsKey(quota))
        {
            return;
        }

        using var lease = _limiter.AttemptAcquire((account, quota));
        if (!lease.IsAcquired)
        {
            throw new ThrottlingException("Rate exceeded");
        }
    }

    // A tenth of the rate every 100 ms, with a one-second burst.
    private static TokenBucketRateLimiterOptions Bucket(int perSecond) => new()
    {
        TokenLimit = Math.Max(1, perSecond),
        TokensPerPeriod = Math.Max(1, perSecond / 10),
        ReplenishmentPeriod = TimeSpan.FromMilliseconds(100),
        QueueLimit = 0,
        AutoReplenishment = true,
    };

    public void Dispose() => _limiter?.Dispose();
}
