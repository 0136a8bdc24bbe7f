using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;

namespace KmsService.Tests.Infrastructure;

/// <summary>Base of the service tests: each concrete class runs them against one store (SQLite or PostgreSQL).</summary>
public abstract class ServiceTests(StoreFixture fixture)
{
    protected StoreFixture Fixture { get; } = fixture;

    protected KmsServer Server
    {
        get
        {
            Fixture.EnsureAvailable();
            return Fixture.Server;
        }
    }

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The development root (access key test/test) in us-east-1.</summary>
    protected AmazonKeyManagementServiceClient Kms => Server.Client();

    protected AmazonKeyManagementServiceClient Alice => Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret);

    protected async Task<KeyMetadata> CreateKeyAsync(AmazonKeyManagementServiceClient? client = null, string? description = null)
    {
        var response = await (client ?? Kms).CreateKeyAsync(new CreateKeyRequest { Description = description }, Ct);
        return response.KeyMetadata;
    }
}
