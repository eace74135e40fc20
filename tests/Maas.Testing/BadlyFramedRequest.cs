using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Maas.Testing;

/// <summary>
/// A request whose chunked body is badly framed: one good chunk, then a chunk size that is not
/// hexadecimal. The server cannot read the body (a <c>BadHttpRequestException</c> inside Kestrel)
/// but can still answer. HttpClient cannot send one, so this writes HTTP/1.1 on a socket.
/// </summary>
public static class BadlyFramedRequest
{
    /// <summary>Sends the request and returns the status code of the answer, or 0 when the server closed without one.</summary>
    public static async Task<(int Status, string Response)> SendAsync(
        Uri baseAddress, string method, string path, IReadOnlyDictionary<string, string> headers, string bodyStart)
    {
        ArgumentNullException.ThrowIfNull(baseAddress);
        ArgumentNullException.ThrowIfNull(headers);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, baseAddress.Port);
        var head = new StringBuilder();
        head.Append(method).Append(' ').Append(path).Append(" HTTP/1.1\r\nHost: ").Append(baseAddress.Authority).Append("\r\n");
        foreach (var (name, value) in headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        var start = Encoding.UTF8.GetBytes(bodyStart);
        head.Append("Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
            .Append(start.Length.ToString("x", System.Globalization.CultureInfo.InvariantCulture)).Append("\r\n")
            .Append(bodyStart).Append("\r\nzz\r\n");
        await socket.SendAsync(Encoding.UTF8.GetBytes(head.ToString()));

        var received = new MemoryStream();
        var buffer = new byte[4096];
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            int read;
            try
            {
                read = await socket.ReceiveAsync(buffer, timeout.Token);
            }
            catch (SocketException)
            {
                break;
            }

            if (read == 0)
            {
                break;
            }

            received.Write(buffer, 0, read);
        }

        var response = Encoding.UTF8.GetString(received.ToArray());
        var status = response.StartsWith("HTTP/1.1 ", StringComparison.Ordinal) && response.Length >= 12
            ? int.Parse(response.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture)
            : 0;
        return (status, response);
    }
}
