using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace KmsService.Tests.Infrastructure;

/// <summary>A TCP proxy on a free loopback port to one upstream endpoint, whose forwarding a test can stall (bytes are
/// held in both directions and nothing is closed, as on a network that stops delivering) and resume.</summary>
public sealed class StallingTcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _upstreamHost;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<TcpClient> _sockets = [];
    private readonly Lock _gateLock = new();
    private readonly Task _accepting;
    private TaskCompletionSource _open = NewGate(open: true);

    private StallingTcpProxy(string upstreamHost, int upstreamPort)
    {
        _upstreamHost = upstreamHost;
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>How many connections the proxy has accepted.</summary>
    public int Accepted => _sockets.Count / 2;

    public static StallingTcpProxy Start(string upstreamHost, int upstreamPort) => new(upstreamHost, upstreamPort);

    /// <summary>Stops forwarding bytes on every connection, present and future, without closing any.</summary>
    public void Stall()
    {
        lock (_gateLock)
        {
            if (_open.Task.IsCompleted)
            {
                _open = NewGate(open: false);
            }
        }
    }

    /// <summary>Forwards again, held bytes first.</summary>
    public void Resume()
    {
        lock (_gateLock)
        {
            _open.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Resume();
        foreach (var socket in _sockets)
        {
            socket.Dispose();
        }

        try
        {
            await _accepting;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        _stop.Dispose();
    }

    private static TaskCompletionSource NewGate(bool open)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (open)
        {
            gate.SetResult();
        }

        return gate;
    }

    private Task WhenOpen()
    {
        lock (_gateLock)
        {
            return _open.Task;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var upstream = new TcpClient();
        _sockets.Add(client);
        _sockets.Add(upstream);
        try
        {
            await upstream.ConnectAsync(_upstreamHost, _upstreamPort, _stop.Token);
            await Task.WhenAll(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
            // One side closed or the proxy stopped: close both.
        }
        finally
        {
            client.Dispose();
            upstream.Dispose();
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to)
    {
        var buffer = new byte[16 * 1024];
        var source = from.GetStream();
        var target = to.GetStream();
        while (true)
        {
            var read = await source.ReadAsync(buffer, _stop.Token);
            await WhenOpen().WaitAsync(_stop.Token);
            if (read == 0)
            {
                to.Client.Shutdown(SocketShutdown.Send);
                return;
            }

            await target.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }
}
