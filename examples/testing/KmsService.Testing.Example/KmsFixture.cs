using KmsService.Testing;

namespace KmsService.Testing.Example;

/// <summary>One KmsService for the whole test class (xunit class fixture): started once, stopped and deleted after
/// the class's last test.</summary>
public sealed class KmsFixture : IAsyncLifetime
{
    private KmsTestServer? _server;

    public KmsTestServer Server => _server ?? throw new InvalidOperationException("The fixture is not initialized.");

    public async ValueTask InitializeAsync() => _server = await KmsTestServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
