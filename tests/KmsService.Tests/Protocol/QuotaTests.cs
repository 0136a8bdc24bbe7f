using Amazon.KeyManagementService;
using Amazon.KeyManagementService.Model;
using KmsService.Tests.Infrastructure;

namespace KmsService.Tests.Protocol;

/// <summary>Resource quotas (keys per region, aliases per key) and request quotas (ThrottlingException).</summary>
public abstract class QuotaTests(StoreFixture fixture) : ServiceTests(fixture)
{
    [Fact]
    public async Task CreateKey_BeyondTheKeysPerRegionQuota_ThrowsLimitExceeded()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:Quotas:KeysPerRegion", "2");
        var kms = isolated.Server.Client(region: "eu-north-1");
        await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);
        await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);

        var e = await Assert.ThrowsAsync<LimitExceededException>(() => kms.CreateKeyAsync(new CreateKeyRequest(), Ct));
        Assert.Contains("2 KMS keys in eu-north-1", e.Message, StringComparison.Ordinal);

        // The quota is per region.
        await isolated.Server.Client(region: "eu-south-1").CreateKeyAsync(new CreateKeyRequest(), Ct);
    }

    [Fact]
    public async Task CreateAlias_BeyondTheAliasesPerKeyQuota_ThrowsLimitExceeded()
    {
        await using var isolated = await Fixture.StartIsolatedAsync("--Kms:Quotas:AliasesPerKey", "1");
        var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        await kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/one", TargetKeyId = key.KeyId }, Ct);

        await Assert.ThrowsAsync<LimitExceededException>(() =>
            kms.CreateAliasAsync(new CreateAliasRequest { AliasName = "alias/two", TargetKeyId = key.KeyId }, Ct));
    }

    [Fact]
    public async Task Requests_BeyondTheOperationsQuota_ThrowThrottling()
    {
        await using var isolated = await Fixture.StartIsolatedAsync(
            "--Kms:RateLimits:Enabled", "true", "--Kms:RateLimits:Operations:CreateKey", "2");
        var kms = isolated.Server.Client();
        // At once: one after the other, calls slower than the quota's refill (each waits for its audit record's commit
        // on a busy machine) would all pass.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 6).Select(async _ =>
        {
            try
            {
                await kms.CreateKeyAsync(new CreateKeyRequest(), Ct);
                return "ok";
            }
            catch (AmazonKeyManagementServiceException e)
            {
                Assert.Equal("Rate exceeded", e.Message);
                return e.ErrorCode;
            }
        }));

        Assert.Contains("ThrottlingException", outcomes);
        Assert.InRange(outcomes.Count(o => o == "ok"), 2, 4);

        // Other accounts and other quotas are not affected.
        await isolated.Server.Client(TestSeed.AliceAccessKey, TestSeed.AliceSecret).CreateKeyAsync(new CreateKeyRequest(), Ct);
        await kms.ListKeysAsync(new ListKeysRequest(), Ct);
    }

    [Fact]
    public async Task CryptographicOperations_ShareOneQuota()
    {
        await using var isolated = await Fixture.StartIsolatedAsync(
            "--Kms:RateLimits:Enabled", "true", "--Kms:RateLimits:CryptographicOperationsPerSecond", "3");
        var kms = isolated.Server.Client();
        var key = (await kms.CreateKeyAsync(new CreateKeyRequest(), Ct)).KeyMetadata;
        var throttled = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                if (i % 2 == 0)
                {
                    await kms.GenerateRandomAsync(new GenerateRandomRequest { NumberOfBytes = 8 }, Ct);
                }
                else
                {
                    await kms.EncryptAsync(new EncryptRequest { KeyId = key.KeyId, Plaintext = new MemoryStream([1]) }, Ct);
                }
            }
            catch (AmazonKeyManagementServiceException e) when (e.ErrorCode == "ThrottlingException")
            {
                Interlocked.Increment(ref throttled);
            }
        }));

        Assert.True(throttled >= 3, $"only {throttled} of 8 were throttled");
    }

    [Fact]
    public async Task RateLimits_InDevelopment_AreOffByDefault()
    {
        var outcomes = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ => Kms.CreateKeyAsync(new CreateKeyRequest(), Ct)));
        Assert.Equal(12, outcomes.Length);
    }
}

[Collection("sqlite")]
public sealed class QuotaTests_Sqlite(SqliteFixture f) : QuotaTests(f);

[Collection("postgres")]
public sealed class QuotaTests_Postgres(PostgresFixture f) : QuotaTests(f);
