using System.Net;
using System.Net.Sockets;

namespace Maas.Testing;

/// <summary>Ports on 127.0.0.1 that nothing listens on now, for servers the tests start next (or to dial and be refused).</summary>
public static class FreePort
{
    /// <summary>Returns a TCP port free on 127.0.0.1 at this instant.</summary>
    public static int OnLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
