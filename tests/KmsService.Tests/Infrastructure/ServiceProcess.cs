using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text.RegularExpressions;
using Amazon.KeyManagementService;
using Amazon.Runtime;

namespace KmsService.Tests.Infrastructure;

/// <summary>The service as an operator runs it: <c>dotnet KmsService.dll</c> in a process of its own on a free
/// loopback port, its standard output kept line by line; stopped with SIGTERM, as a container runtime does.</summary>
public sealed partial class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServiceProcess(Process process) => _process = process;

    public Uri Url { get; private set; } = null!;

    public int ProcessId => _process.Id;

    /// <summary>Standard output so far, one entry a line.</summary>
    public IReadOnlyList<string> StandardOutput => [.. _stdout];

    public string StandardError => string.Join('\n', _stderr);

    /// <summary>Starts the service with <paramref name="args"/> (after <c>--urls http://127.0.0.1:0</c>) and waits until
    /// it listens.</summary>
    public static async Task<ServiceProcess> StartAsync(string[] args, (string Name, string Value)[] environment, CancellationToken ct)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])["exec", typeof(KmsApp).Assembly.Location, "--urls", "http://127.0.0.1:0", .. args])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in new[] { "ASPNETCORE_ENVIRONMENT", "DOTNET_ENVIRONMENT", "KMS_LAUNCH_ENVIRONMENT", "ASPNETCORE_URLS" })
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        var service = new ServiceProcess(new Process { StartInfo = start });
        service._process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            service._stdout.Enqueue(e.Data);
            if (e.Data.Contains("listening on", StringComparison.OrdinalIgnoreCase) && ListeningUrl().Match(e.Data) is { Success: true } url)
            {
                service._listening.TrySetResult(new Uri(url.Value));
            }
        };
        service._process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                service._stderr.Enqueue(e.Data);
            }
        };
        service._process.Start();
        service._process.BeginOutputReadLine();
        service._process.BeginErrorReadLine();

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        var exited = service._process.WaitForExitAsync(timeout.Token);
        var listening = service._listening.Task.WaitAsync(timeout.Token);
        if (await Task.WhenAny(listening, exited) != listening)
        {
            await service.DisposeAsync();
            throw new InvalidOperationException($"The service did not start: {service.StandardError}\n{string.Join('\n', service.StandardOutput)}");
        }

        service.Url = await listening;
        return service;
    }

    /// <summary>An SDK client of this service (no retries).</summary>
    public AmazonKeyManagementServiceClient Client(string accessKey, string secretKey, HttpClientFactory? http = null) =>
        new(new BasicAWSCredentials(accessKey, secretKey), new AmazonKeyManagementServiceConfig
        {
            ServiceURL = Url.ToString(),
            AuthenticationRegion = "us-east-1",
            MaxErrorRetry = 0,
            HttpClientFactory = http,
        });

    /// <summary>Sends SIGTERM, as <c>docker stop</c> and Kubernetes do.</summary>
    public void Terminate()
    {
        using var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <summary>Waits for the process to exit; its exit code, or null when it did not exit within
    /// <paramref name="timeout"/>.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }

        // The last lines of output are delivered once the streams close.
        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Stops it with SIGTERM and waits (up to 30 s) for it to exit, so that its output is complete.</summary>
    public async Task StopAsync()
    {
        if (!_process.HasExited)
        {
            Terminate();
            await WaitForExitAsync(TimeSpan.FromSeconds(30));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    [GeneratedRegex(@"http://127\.0\.0\.1:\d+")]
    private static partial Regex ListeningUrl();
}
