namespace KmsService.Protocol;

/// <summary>Who is calling and where: the authenticated principal, the region of the SigV4 scope and its partition, and
/// request facts.</summary>
internal sealed record CallContext(
    string AccountId,
    string PrincipalArn,
    string AccessKeyId,
    string Region,
    string Partition,
    string? SourceIp,
    string RequestId,
    string? UserAgent,
    Identity.Principal Principal,
    bool SecureTransport)
{
    /// <summary>The TLS connection the call came over, as CloudTrail's <c>tlsDetails</c> records it; null over plain
    /// HTTP.</summary>
    internal CallTls? Tls { get; init; }

    /// <summary>The call's audit projection, set by the operation table once the request was read (and again with the
    /// response once it ran). Null while the body has not been read.</summary>
    internal Audit.Records.AuditProjection? Audit { get; set; }

    /// <summary>For a call that changes state, its record, committed in the change's transaction by the store (null when
    /// the operation is read-only or the audit sink cannot write in store transactions).</summary>
    internal Audit.Store.AuditInTransaction? AuditTransaction { get; set; }

    /// <summary>The first KMS key the call resolved, for the record's <c>resources</c>.</summary>
    internal string? KeyArn { get; private set; }

    /// <summary>A second, different key (ReEncrypt's destination).</summary>
    internal string? SecondKeyArn { get; private set; }

    /// <summary>Notes a key the call resolved; the first two distinct keys are recorded.</summary>
    internal void UsedKey(string arn)
    {
        if (KeyArn is null)
        {
            KeyArn = arn;
        }
        else if (SecondKeyArn is null && !string.Equals(KeyArn, arn, StringComparison.Ordinal))
        {
            SecondKeyArn = arn;
        }
    }
}

/// <summary>CloudTrail's <c>tlsDetails</c> of a call over HTTPS: protocol version (<c>TLSv1.3</c>), negotiated cipher
/// suite (IANA name) and the Host header the client sent.</summary>
internal sealed record CallTls(string? TlsVersion, string? CipherSuite, string? ClientProvidedHostHeader);
