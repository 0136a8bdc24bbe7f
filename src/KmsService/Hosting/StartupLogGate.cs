namespace KmsService.Hosting;

/// <summary>Keeps the generic host's own error entries (with their stack traces) out of the log until the application
/// has started: a start that fails is reported by <see cref="Program"/> as one line ("KmsService cannot start: …"),
/// which is all an operator needs. From the start on, the host's errors are logged as usual.</summary>
internal sealed class StartupLogGate
{
    /// <summary>The category under which the generic host logs "Hosting failed to start".</summary>
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    private volatile bool _started;

    /// <summary>Installs the gate on the builder's logging; it opens when the application has started.</summary>
    public static StartupLogGate Install(WebApplicationBuilder builder)
    {
        var gate = new StartupLogGate();
        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && (gate._started || level < LogLevel.Error));
        return gate;
    }

    /// <summary>Opens the gate once the application's lifetime reports it started.</summary>
    public void OpenWhenStarted(IHostApplicationLifetime lifetime) => lifetime.ApplicationStarted.Register(() => _started = true);
}
