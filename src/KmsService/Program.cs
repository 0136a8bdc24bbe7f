using KmsService.Hosting;
using KmsService.Seed;

namespace KmsService;

/// <summary>Entry point: builds, prepares the store and runs the KMS host.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        WebApplication app;
        try
        {
            app = await KmsApp.CreateAsync(args);
        }
        catch (Exception e) when (e is StartupException or SeedFileException)
        {
            await Console.Error.WriteLineAsync($"KmsService cannot start: {e.Message}");
            return 1;
        }

        await using (app)
        {
            await app.RunAsync();
        }

        return 0;
    }
}
