namespace KmsService.Hosting;

/// <summary>Keeps the log quiet about a start that fails: <see cref="Program"/> reports it as one line ("KmsService
/// cannot start: …"), which is all an operator needs. Until the application has started, the generic host's own error
/// entries (with their stack traces) are held back, and the console lifetime's status lines are written by this gate
/// instead, only for a start that succeeded: so a failed start logs no "Application is shutting down...". From the
/// start on, everything is logged as usual.</summary>
internal sealed partial class StartupLogGate
{
    /// <summary>The category under which the generic host logs "Hosting failed to start".</summary>
    public const string HostCategory = "Microsoft.Extensions.Hosting.Internal.Host";

    /// <summary>The category of the host's status lines, kept so that its configured level still applies.</summary>
    public const string LifetimeCategory = "Microsoft.Hosting.Lifetime";

    private volatile bool _started;

    /// <summary>Installs the gate on the builder's logging; it opens when the application has started.</summary>
    public static StartupLogGate Install(WebApplicationBuilder builder)
    {
        var gate = new StartupLogGate();
        builder.Logging.AddFilter(HostCategory, level => level >= LogLevel.Warning && (gate._started || level < LogLevel.Error));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        return gate;
    }

    /// <summary>Opens the gate once the application's lifetime reports it started, and writes the status lines the
    /// console lifetime would have (started, environment, content root; shutting down, only after a start).</summary>
    public void OpenWhenStarted(IHost app)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        var environment = app.Services.GetRequiredService<IHostEnvironment>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(LifetimeCategory);
        lifetime.ApplicationStarted.Register(() =>
        {
            _started = true;
            LogStarted(logger);
            LogEnvironment(logger, environment.EnvironmentName);
            LogContentRoot(logger, environment.ContentRootPath);
        });
        lifetime.ApplicationStopping.Register(() =>
        {
            if (_started)
            {
                LogStopping(logger);
            }
        });
    }

    [LoggerMessage(EventId = 0, Level = LogLevel.Information, Message = "Application started. Press Ctrl+C to shut down.")]
    private static partial void LogStarted(ILogger logger);

    [LoggerMessage(EventId = 0, Level = LogLevel.Information, Message = "Hosting environment: {EnvironmentName}")]
    private static partial void LogEnvironment(ILogger logger, string environmentName);

    [LoggerMessage(EventId = 0, Level = LogLevel.Information, Message = "Content root path: {ContentRoot}")]
    private static partial void LogContentRoot(ILogger logger, string contentRoot);

    [LoggerMessage(EventId = 0, Level = LogLevel.Information, Message = "Application is shutting down...")]
    private static partial void LogStopping(ILogger logger);
}
