using Maas.Hosting.Kestrel;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>Hardens Kestrel for a Maas host.</summary>
public static class MaasKestrelWebHostBuilderExtensions
{
    /// <summary>
    /// Bounds Kestrel's connections by the process's open-file limit, so a flood of idle connections
    /// cannot exhaust the descriptors: at most half of what the limit leaves after 384 descriptors for
    /// the process itself and <paramref name="upstreamConnections"/> (a database pool, say), between
    /// 16 and 10,000 (10,000 when the limit is unknown); idle keep-alive connections close after 30 s,
    /// request headers are due within 10 s, and a request body may hold 1 MiB. At the connection limit
    /// the socket transport stops accepting (new connections wait in the kernel's backlog) rather than
    /// accept and close, which under a flood falls behind and runs the process out of descriptors.
    /// Settings the host applies later (<c>ConfigureKestrel</c>, binding the <c>Kestrel</c> section)
    /// override these defaults. The limits in effect are logged once the host has started.
    /// </summary>
    /// <returns>The builder.</returns>
    public static IWebHostBuilder UseMaasConnectionLimits(this IWebHostBuilder builder, int upstreamConnections = 0)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentOutOfRangeException.ThrowIfNegative(upstreamConnections);
        return builder
            .ConfigureServices(services =>
            {
                services.AddSingleton<IConnectionListenerFactory>(sp => new AcceptLimitingListenerFactory(
                    ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp),
                    sp.GetRequiredService<IOptions<KestrelServerOptions>>()));
                services.AddHostedService<MaasConnectionLimits.StartupLog>();
            })
            .ConfigureKestrel(kestrel => MaasConnectionLimits.Apply(kestrel.Limits, upstreamConnections));
    }

    /// <summary>
    /// Binds <paramref name="section"/> (a host's <c>Kestrel</c> section: <c>Kestrel:Limits:*</c>,
    /// <c>Kestrel__Limits__*</c> in the environment, <c>Kestrel:AddServerHeader</c>...) over Kestrel's options,
    /// so operators tune any of Kestrel; bound after <see cref="UseMaasConnectionLimits"/>, it overrides its defaults.
    /// </summary>
    /// <param name="kestrel">Kestrel's options.</param>
    /// <param name="section">The settings.</param>
    /// <returns>Kestrel's options.</returns>
    /// <exception cref="InvalidOperationException">A value cannot be converted or is out of range: the message says which, on one line.</exception>
    public static KestrelServerOptions BindMaasConfiguration(this KestrelServerOptions kestrel, IConfiguration section)
    {
        ArgumentNullException.ThrowIfNull(kestrel);
        ArgumentNullException.ThrowIfNull(section);
        try
        {
            section.Bind(kestrel);
            return kestrel;
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or System.Reflection.TargetInvocationException)
        {
            // "Failed to convert configuration value 'x' at 'Kestrel:Limits:...'", or a setter's range check.
            var cause = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
            throw new InvalidOperationException("invalid Kestrel configuration: " + cause.Message.ReplaceLineEndings(" "), cause);
        }
    }
}
