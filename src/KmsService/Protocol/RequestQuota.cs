namespace KmsService.Protocol;

/// <summary>The AWS request quota an operation draws from (AWS KMS developer guide, "Request quotas").</summary>
internal readonly record struct RequestQuota
{
    private RequestQuota(bool isCryptographic, int defaultPerSecond, string? sharedName = null)
    {
        IsCryptographic = isCryptographic;
        DefaultPerSecond = defaultPerSecond;
        SharedName = sharedName;
    }

    /// <summary>The one quota that Encrypt, Decrypt, ReEncrypt, GenerateDataKey*, GenerateRandom, GenerateMac and
    /// VerifyMac share (<c>Kms:RateLimits:CryptographicOperationsPerSecond</c>).</summary>
    public static RequestQuota Cryptographic { get; } = new(isCryptographic: true, defaultPerSecond: 0);

    /// <summary>An operation AWS does not throttle on its own quota; configuration can still give it one.</summary>
    public static RequestQuota None { get; } = new(isCryptographic: false, defaultPerSecond: 0);

    public bool IsCryptographic { get; }

    /// <summary>Requests per second of the operation's own quota by AWS's default; 0 for none or the shared one.</summary>
    public int DefaultPerSecond { get; }

    /// <summary>The name of a quota several operations share, other than the cryptographic one; null for an
    /// operation's own.</summary>
    public string? SharedName { get; }

    /// <summary>The operation's own quota, with AWS's default rate.</summary>
    public static RequestQuota PerSecond(int rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        return new(isCryptographic: false, rate);
    }

    /// <summary>A quota of its own that several operations share under <paramref name="name"/> (configured under any of
    /// their names), with AWS's default rate.</summary>
    public static RequestQuota Shared(string name, int rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        return new(isCryptographic: false, rate, name);
    }
}
