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
    bool SecureTransport);
