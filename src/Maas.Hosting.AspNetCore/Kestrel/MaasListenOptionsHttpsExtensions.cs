using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Microsoft.AspNetCore.Hosting;

/// <summary>HTTPS on a Kestrel endpoint of a Maas host.</summary>
public static class MaasListenOptionsHttpsExtensions
{
    /// <summary>
    /// Serves the endpoint over HTTPS with <paramref name="serverCertificate"/> (see
    /// <see cref="Maas.Hosting.Kestrel.MaasServerCertificates"/>), accepting TLS 1.2 and 1.3, or TLS 1.3 only
    /// when <paramref name="minimumVersion"/> is <see cref="SslProtocols.Tls13"/>.
    /// </summary>
    /// <param name="listenOptions">The endpoint.</param>
    /// <param name="serverCertificate">The certificate, with its private key.</param>
    /// <param name="minimumVersion"><see cref="SslProtocols.Tls12"/> or <see cref="SslProtocols.Tls13"/>.</param>
    /// <returns>The endpoint.</returns>
    public static ListenOptions UseMaasHttps(this ListenOptions listenOptions, X509Certificate2 serverCertificate, SslProtocols minimumVersion = SslProtocols.Tls12)
    {
        ArgumentNullException.ThrowIfNull(listenOptions);
        ArgumentNullException.ThrowIfNull(serverCertificate);
        if (minimumVersion is not (SslProtocols.Tls12 or SslProtocols.Tls13))
        {
            throw new ArgumentOutOfRangeException(nameof(minimumVersion), minimumVersion, "The minimum TLS version is TLS 1.2 or TLS 1.3.");
        }

        return listenOptions.UseHttps(https =>
        {
            https.ServerCertificate = serverCertificate;
            https.SslProtocols = minimumVersion == SslProtocols.Tls13 ? SslProtocols.Tls13 : SslProtocols.Tls12 | SslProtocols.Tls13;
        });
    }
}
