using Microsoft.Extensions.Configuration.Memory;

namespace KmsService.Hosting;

/// <summary>Host settings that keep per-request overhead off the hot path (issue 5), as defaults that any
/// configuration source (appsettings, <c>Kms__X</c>/<c>Logging__X</c> variables, the command line) overrides.</summary>
internal static class HotPathDefaults
{
    private static readonly Dictionary<string, string?> Defaults = new(StringComparer.OrdinalIgnoreCase)
    {
        // Whenever this category is enabled at any level, ASP.NET Core hosting starts an Activity and a log scope
        // for every request, whether or not anything reads them; its own per-request lines are Information.
        // Set Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics to Information to see them again.
        ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "None",
    };

    /// <summary>Adds the defaults beneath every configuration source the builder already has.</summary>
    public static void Apply(WebApplicationBuilder builder) =>
        builder.Configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = Defaults });
}
