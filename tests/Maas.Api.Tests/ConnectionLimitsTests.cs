using System.Net;
using System.Net.Sockets;
using System.Text;
using Maas.Api;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Api.Tests;

/// <summary>Kestrel's limits: defaults computed from the file limit, and the <c>Kestrel</c> section bound over them.</summary>
public sealed class ConnectionLimitsTests
{
    [Theory]
    [InlineData(512L, 0, 64L)]
    [InlineData(1024L, 0, 320L)]
    [InlineData(2048L, 25, 819L)]
    [InlineData(1_048_576L, 25, 10_000L)]
    [InlineData(64L, 0, 16L)]
    [InlineData(null, 0, 10_000L)]
    public void Default_connection_limit_stays_below_the_file_limit_with_headroom(long? fileLimit, int databaseConnections, long expected)
    {
        var limit = ConnectionLimits.DefaultMaxConnections(fileLimit, databaseConnections);
        Assert.Equal(expected, limit);
        if (fileLimit is > 256)
        {
            Assert.True(limit * 2 + ConnectionLimits.ReservedDescriptors + databaseConnections <= fileLimit);
        }
    }

    [Theory]
    [InlineData("            1024                 1048576              files     ", 1024L)]
    [InlineData("            unlimited            unlimited            files     ", null)]
    [InlineData("", null)]
    public void Soft_file_limit_is_read_from_proc_limits(string columns, long? expected) =>
        Assert.Equal(expected, ConnectionLimits.ParseSoftLimit(columns));

    [Fact]
    public void This_process_file_limit_is_found() =>
        Assert.NotNull(ConnectionLimits.ReadFileLimit());

    [Fact]
    public async Task Defaults_apply_and_the_kestrel_section_overrides_them()
    {
        await using (var server = await MaasApiServer.StartAsync())
        {
            var limits = server.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
            Assert.Equal(ConnectionLimits.DefaultMaxConnections(ConnectionLimits.ReadFileLimit(), 0), limits.MaxConcurrentConnections);
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
