using Amazon.KeyManagementService;
using Amazon.Runtime;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;

namespace KmsService.Tests.Infrastructure;

/// <summary>A real KmsService on a loopback port (Kestrel, Development environment), with its own data folder and
/// store, driven through the official AWS SDK for .NET.</summary>
public sealed class KmsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private KmsServer(WebApplication app, string dataDir, Uri url)
    {
        _app = app;
        DataDir = dataDir;
        Url = url;
    }

    public string DataDir { get; }

    public Uri Url { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a server. <paramref name="postgres"/> null means the embedded SQLite store.</summary>
    public static async Task<KmsServer> StartAsync(
        string? postgres = null, string? seedFile = null, string? dataDir = null,
        Action<IServiceCollection>? configure = null, params string[] extraArgs)
    {
        dataDir ??= Directory.CreateTempSubdirectory("kms-test-").FullName;
        var args = new List<string>
        {
            "--environment", "Development",
            "--urls", "http://127.0.0.1:0",
            "--Kms:DataDir", dataDir,
            "--Logging:LogLevel:Default", "Warning",
        };
        if (postgres is not null)
        {
            args.AddRange(["--Kms:Store", "postgres", "--ConnectionStrings:Kms", postgres]);
        }

        if (seedFile is not null)
        {
            args.AddRange(["--Kms:SeedFile", seedFile]);
        }

        args.AddRange(extraArgs);
        var app = await KmsApp.CreateAsync([.. args], configure);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new KmsServer(app, dataDir, new Uri(address));
    }

    /// <summary>An SDK client signing with the given credentials and region (default: the development root).</summary>
    public AmazonKeyManagementServiceClient Client(string accessKey = "test", string secretKey = "test", string region = "us-east-1") =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonKeyManagementServiceConfig
        {
            ServiceURL = Url.ToString(),
            AuthenticationRegion = region,
            MaxErrorRetry = 0,
        });

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
