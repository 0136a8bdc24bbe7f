namespace KmsService.Core.Auth;

/// <summary>A syntactically valid SigV4 <c>Authorization</c> header and the request time it is bound to.</summary>
/// <remarks>Produced by <see cref="SigV4Parser.Parse"/>; nothing here is authenticated until <see cref="SigV4Verifier.Verify"/> succeeds.</remarks>
public sealed class SigV4Authorization
{
    // The region with its partition, interned (SigV4Strings): one field for both.
    private readonly ScopeRegion _region;

    internal SigV4Authorization(
        string accessKeyId,
        string date,
        ScopeRegion region,
        string service,
        string terminator,
        IReadOnlyList<string> signedHeaders,
        string signature,
        string amzDate,
        DateTimeOffset requestTime)
    {
        AccessKeyId = accessKeyId;
        Date = date;
        _region = region;
        Service = service;
        Terminator = terminator;
        SignedHeaders = signedHeaders;
        Signature = signature;
        AmzDate = amzDate;
        RequestTime = requestTime;
    }

    /// <summary>Access key id, first element of the credential scope.</summary>
    public string AccessKeyId { get; }

    /// <summary>Scope date (<c>yyyyMMdd</c>) as sent; not yet checked against <see cref="AmzDate"/>.</summary>
    public string Date { get; }

    /// <summary>Scope region as sent, e.g. <c>us-east-1</c>.</summary>
    public string Region => _region.Name;

    /// <summary>The partition of <see cref="Region"/> (<c>aws</c>, <c>aws-cn</c>, …), or null when the region is no
    /// region name (<see cref="Keys.Partition.TryForRegion"/>).</summary>
    public string? Partition => _region.Partition;

    /// <summary>Scope service as sent, e.g. <c>kms</c>.</summary>
    public string Service { get; }

    /// <summary>Scope terminator as sent; valid only when <c>aws4_request</c>.</summary>
    public string Terminator { get; }

    /// <summary>The <c>SignedHeaders</c> names, in the order sent.</summary>
    public IReadOnlyList<string> SignedHeaders { get; }

    /// <summary>The client's signature, hex as sent.</summary>
    public string Signature { get; }

    /// <summary>Request timestamp in ISO-8601 basic format (<c>yyyyMMddTHHmmssZ</c>), from <c>X-Amz-Date</c> else <c>Date</c>.</summary>
    public string AmzDate { get; }

    /// <summary>The request timestamp, UTC.</summary>
    public DateTimeOffset RequestTime { get; }
}
