using System.Net;
using System.Net.Sockets;
using System.Text;
using Maas.Hosting.Kestrel;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Api.Tests;

/// <summary>maas-api's Kestrel limits: the package's defaults (computed from the file limit), and the <c>Kestrel</c> section bound over them.</summary>
public sealed class ConnectionLimitsTests
{
    [Fact]
    public async Task Defaults_apply_and_the_kestrel_section_overrides_them()
    {
        await using (var server = await MaasApiServer.StartAsync())
        {
            var limits = server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
            Assert.Equal(MaasConnectionLimits.DefaultMaxConnections(MaasConnectionLimits.ReadFileLimit(), 0), limits.MaxConcurrentConnections);
            Assert.Equal(TimeSpan.FromSeconds(30), limits.KeepAliveTimeout);
            Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout);
            Assert.Equal(1024 * 1024, limits.MaxRequestBodySize);
        }

        await using (var server = await MaasApiServer.StartAsync(configure: builder =>
        {
            builder.Configuration["Kestrel:Limits:MaxConcurrentConnections"] = "77";
            builder.Configuration["Kestrel:Limits:KeepAliveTimeout"] = "00:00:05";
            builder.Configuration["Kestrel:Limits:MaxRequestHeadersTotalSize"] = "65536";
        }))
        {
            var limits = server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
            Assert.Equal(77, limits.MaxConcurrentConnections);
            Assert.Equal(TimeSpan.FromSeconds(5), limits.KeepAliveTimeout);
            Assert.Equal(65536, limits.MaxRequestHeadersTotalSize);
            Assert.Equal(TimeSpan.FromSeconds(10), limits.RequestHeadersTimeout); // untouched settings keep the defaults
            using var client = server.CreateClient();
            Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        }
    }

    [Fact]
    public async Task At_the_connection_limit_the_host_stops_accepting_and_serves_a_waiting_connection_once_one_closes()
    {
        await using var server = await MaasApiServer.StartAsync(configure: builder => builder.Configuration["Kestrel:Limits:MaxConcurrentConnections"] = "2");
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.BaseAddress.Port);
        using var first = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var second = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(endpoint);
        await second.ConnectAsync(endpoint);

        // The third connection waits in the kernel's backlog: accepting and closing it (Kestrel's own
        // limit) would end it with no answer.
        using var third = new Socket(SocketType.Stream, ProtocolType.Tcp);
        await third.ConnectAsync(endpoint);
        await third.SendAsync("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"u8.ToArray());
        var buffer = new byte[4096];
        var received = third.ReceiveAsync(buffer);

        first.Dispose();
        var count = await received.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, count), StringComparison.Ordinal);
    }
}
