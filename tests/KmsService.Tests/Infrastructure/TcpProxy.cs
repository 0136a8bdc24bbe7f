using System.Net;
using System.Net.Sockets;

namespace KmsService.Tests.Infrastructure;

/// <summary>
/// A TCP proxy on a free loopback port in front of a server (PostgreSQL), to make outages without touching the shared
/// server: <see cref="Cut"/> resets every connection and refuses new ones (the database is down), <see cref="Hang"/>
/// keeps connections open but forwards nothing (the database hangs), <see cref="Restore"/> forwards again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<Socket> _open = [];
    private readonly Task _acceptLoop;
    private Mode _mode = Mode.Forward;
    private TaskCompletionSource _flowing = NewGate(open: true);

    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptAsync();
    }

    private enum Mode
    {
        Forward,
        Refuse,
    }

    public int Port { get; }

    /// <summary>Resets every open connection and every new one, until <see cref="Restore"/>.</summary>
    public void Cut()
    {
        lock (_lock)
        {
            _mode = Mode.Refuse;
            foreach (var socket in _open)
            {
                Reset(socket);
            }

            _open.Clear();
        }
    }

    /// <summary>Stops forwarding bytes either way (new connections are accepted and then hang too).</summary>
    public void Hang()
    {
        lock (_lock)
        {
            _flowing = NewGate(open: false);
        }
    }

    /// <summary>Forwards again, as before <see cref="Cut"/> or <see cref="Hang"/>.</summary>
    public void Restore()
    {
        lock (_lock)
        {
            _mode = Mode.Forward;
            _flowing.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        Restore();
        try
        {
            await _acceptLoop;
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

    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (ObjectDisposedException)
        {
            // Already closed by its pump.
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            lock (_lock)
            {
                if (_mode == Mode.Refuse)
                {
                    Reset(client);
                    continue;
                }

                _open.Add(client);
            }

            _ = ConnectAsync(client);
        }
    }

    private async Task ConnectAsync(Socket client)
    {
        var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await upstream.ConnectAsync(_targetHost, _targetPort, _stop.Token);
            lock (_lock)
            {
                if (!_open.Contains(client))
                {
                    // Cut while connecting.
                    Reset(upstream);
                    return;
                }

                _open.Add(upstream);
            }

            await Task.WhenAny(PumpAsync(client, upstream), PumpAsync(upstream, client));
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset or a stop ends the connection.
        }
        finally
        {
            lock (_lock)
            {
                _open.Remove(client);
                _open.Remove(upstream);
            }

            Reset(client);
            Reset(upstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    return;
                }

                Task gate;
                lock (_lock)
                {
                    gate = _flowing.Task;
                }

                await gate.WaitAsync(_stop.Token);
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset, cut or stopped.
        }
    }
}
