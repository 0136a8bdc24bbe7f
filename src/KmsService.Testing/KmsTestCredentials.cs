using Amazon.Runtime;

namespace KmsService.Testing;

/// <summary>An access key id and its secret, as a seed file declares them and as clients sign with them.</summary>
/// <param name="AccessKeyId">The access key id (AWS_ACCESS_KEY_ID).</param>
/// <param name="SecretAccessKey">The secret access key (AWS_SECRET_ACCESS_KEY).</param>
public sealed record KmsTestCredentials(string AccessKeyId, string SecretAccessKey)
{
    /// <summary>The same credentials for the AWS SDK for .NET.</summary>
    public AWSCredentials ToAwsCredentials() => new BasicAWSCredentials(AccessKeyId, SecretAccessKey);

    /// <summary>The access key id only: a secret never reaches a log line or an assertion message.</summary>
    public override string ToString() => $"KmsTestCredentials {{ AccessKeyId = {AccessKeyId} }}";
}
