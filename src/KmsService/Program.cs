using KmsService.Audit.Store;
using KmsService.Hosting;

namespace KmsService;

/// <summary>Entry point: answers the command verbs, then builds, prepares the store and runs the KMS host. A start-up
/// that fails, for whatever reason, is one line on standard error ("KmsService cannot start: …") and exit code 1.</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        if (CommandLine.TryAnswer(args, Console.Out))
        {
            return 0;
        }

        if (HealthCommand.Matches(args))
        {
            return await HealthCommand.RunAsync(args, Console.Out);
        }

        if (AuditVerifyCommand.Matches(args))
        {
            return await AuditVerifyCommand.RunAsync(args, Console.Out);
        }

        WebApplication? app = null;
        try
        {
            app = await KmsApp.CreateAsync(args);
            await app.StartAsync();
        }
        catch (Exception e)
        {
            await Console.Error.WriteLineAsync($"KmsService cannot start: {StartupFailure.Describe(e)}");
            await KmsApp.DisposeQuietlyAsync(app);
            return 1;
        }

        await using (app)
        {
            await app.WaitForShutdownAsync();
        }

        return 0;
    }
}
