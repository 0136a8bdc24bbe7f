using System.Globalization;
using Serilog;
using Serilog.Extensions.Logging;
using Serilog.Formatting.Compact;

namespace KmsService.Hosting;

/// <summary>Routes the service's log (every <c>[LoggerMessage]</c> call, the host's and Kestrel's lines) through
/// Serilog: compact JSON lines (CLEF) on standard output outside Development, readable text in Development.</summary>
/// <remarks>
/// Serilog is one provider of the usual <see cref="ILoggerFactory"/>, not its replacement, so the filters that were
/// there keep applying to it: <c>Logging:LogLevel:*</c> per category, the start-up gate (<see cref="StartupLogGate"/>)
/// and the hot-path defaults (<see cref="HotPathDefaults"/>). The standard <c>Serilog</c> section is read as well: its
/// <c>MinimumLevel</c> (with <c>Override</c>) can only narrow what <c>Logging:LogLevel</c> lets through, and a
/// <c>Serilog:WriteTo</c> replaces the console output (e.g. a file sink).
/// <para>The console is written by a background thread (Serilog.Sinks.Async): a request never waits on standard
/// output. Its buffer holds <see cref="BufferedEvents"/> events; beyond that events are dropped rather than stalling
/// calls on a terminal or pipe that is not read. Disposing the host flushes it.</para>
/// </remarks>
internal static class KmsLogging
{
    /// <summary>The configuration section Serilog reads (its standard name).</summary>
    public const string Section = "Serilog";

    /// <summary>Events the asynchronous console output holds before it drops.</summary>
    public const int BufferedEvents = 10_000;

    /// <summary>The Development line: time, level, category, message (properties rendered in it), exception.</summary>
    public const string TextTemplate = "[{Timestamp:HH:mm:ss.fff} {Level:u3}] {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>Replaces the default providers (console, debug, event source) with Serilog.</summary>
    public static void Configure(WebApplicationBuilder builder)
    {
        var configuration = new LoggerConfiguration()
            // Everything the Microsoft filters let through; the Serilog section may narrow it.
            .MinimumLevel.Verbose()
            .ReadFrom.Configuration(builder.Configuration, new Serilog.Settings.Configuration.ConfigurationReaderOptions { SectionName = Section });

        if (!builder.Configuration.GetSection(Section + ":WriteTo").Exists())
        {
            if (builder.Environment.IsDevelopment())
            {
                configuration.WriteTo.Async(
                    to => to.Console(outputTemplate: TextTemplate, formatProvider: CultureInfo.InvariantCulture),
                    bufferSize: BufferedEvents);
            }
            else
            {
                configuration.WriteTo.Async(to => to.Console(new CompactJsonFormatter()), bufferSize: BufferedEvents);
            }
        }

        var logger = configuration.CreateLogger();
        builder.Logging.ClearProviders();

        // Registered as a plain provider: Serilog's AddSerilog would add a rule that lets everything through to it,
        // which would take precedence over Logging:LogLevel.
        builder.Services.AddSingleton<ILoggerProvider>(_ => new SerilogLoggerProvider(logger, dispose: true));
    }
}
