using System.Net;
using System.Net.Sockets;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// A TCP relay on 127.0.0.1 (free port) in front of a server, that can make the connections open
/// now go silent: a hung network path (stuck proxy, dropped NAT entry) without any error.
/// </summary>
internal sealed class TcpRelay : IAsyncDisposable
{
    private readonly IPEndPoint _target;
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Connection> _connections = [];
    private readonly Task _accepting;

    public TcpRelay(string host, int port)
    {
        _target = new IPEndPoint(IPAddress.Parse(host), port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_stopping.Token);
    }

    public int Port { get; }

    /// <summary>
    /// Every connection open now stops forwarding bytes in both directions (received bytes are
    /// dropped, closes are not passed on) while both of its sockets stay open. Connections accepted
    /// later are forwarded normally.
    /// </summary>
    public void BlackHoleOpenConnections()
    {
        lock (_connections)
        {
            foreach (var connection in _connections)
            {
                connection.BlackHoled = true;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        List<Connection> connections;
        lock (_connections)
        {
            connections = [.. _connections];
        }

        foreach (var connection in connections)
        {
            connection.Client.Dispose();
            connection.Server.Dispose();
        }

        await Task.WhenAll([_accepting, .. connections.Select(c => c.Pumps)]);
        _stopping.Dispose();
    }

    private async Task AcceptAsync(CancellationToken stopping)
    {
        try
        {
            while (true)
            {
                var client = await _listener.AcceptTcpClientAsync(stopping);
                var server = new TcpClient();
                try
                {
                    await server.ConnectAsync(_target, stopping);
                }
                catch (SocketException)
                {
                    client.Dispose();
                    server.Dispose();
                    continue;
                }

                var connection = new Connection(client, server);
                connection.Pumps = Task.WhenAll(
                    PumpAsync(connection, client.GetStream(), server, stopping),
                    PumpAsync(connection, server.GetStream(), client, stopping));
                lock (_connections)
                {
                    _connections.Add(connection);
                }
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException && stopping.IsCancellationRequested)
        {
            // Disposed.
        }
    }

    private static async Task PumpAsync(Connection connection, NetworkStream from, TcpClient to, CancellationToken stopping)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            var destination = to.GetStream();
            while (true)
            {
                var read = await from.ReadAsync(buffer, stopping);
                if (connection.BlackHoled)
                {
                    if (read == 0)
                    {
                        return; // the close is swallowed too; the other side stays open
                    }

                    continue;
                }

                if (read == 0)
                {
                    to.Client.Shutdown(SocketShutdown.Send);
                    return;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), stopping);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A side closed or reset, or the relay is disposed: end both, unless the path is black-holed.
            if (!connection.BlackHoled)
            {
                connection.Client.Dispose();
                connection.Server.Dispose();
            }
        }
    }

    private sealed class Connection(TcpClient client, TcpClient server)
    {
        public TcpClient Client { get; } = client;

        public TcpClient Server { get; } = server;

        public volatile bool BlackHoled;

        public Task Pumps { get; set; } = Task.CompletedTask;
    }
}
