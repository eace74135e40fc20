using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Maas.Hosting.Kestrel;
using Maas.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Kestrel;

/// <summary>An embedder's Kestrel endpoint with <c>UseMaasHttps()</c>: a self-signed or PEM certificate and a minimum TLS version.</summary>
public sealed class UseMaasHttpsTests
{
    [Fact]
    public async Task Self_signed_certificate_serves_https_for_localhost_and_the_host_name()
    {
        var issuedAt = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        using var certificate = MaasServerCertificates.CreateSelfSigned("maas-embedded", new FakeTimeProvider(issuedAt));
        await using var app = await StartAsync(certificate, SslProtocols.Tls12);
        var (status, seen) = await GetAsync(app, SslProtocols.Tls12);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CN=maas-embedded", seen.Subject);
        var names = new X509SubjectAlternativeNameExtension(seen.Extensions["2.5.29.17"]!.RawData);
        Assert.Equal(new[] { "localhost", "maas-embedded" }, names.EnumerateDnsNames());
        Assert.Equal(new[] { IPAddress.Loopback }, names.EnumerateIPAddresses());
        // Valid from five minutes before it was made, for a year (the clock given, not the machine's).
        Assert.Equal(issuedAt.AddMinutes(-5).UtcDateTime, seen.NotBefore.ToUniversalTime());
        Assert.Equal(issuedAt.AddDays(365).UtcDateTime, seen.NotAfter.ToUniversalTime());
        seen.Dispose();
    }

    [Fact]
    public async Task Pem_pair_serves_https_and_a_tls13_minimum_refuses_tls12_clients()
    {
        using var directory = new TemporaryDirectory();
        using (var key = ECDsa.Create(ECCurve.NamedCurves.nistP256))
        {
            var request = new CertificateRequest("CN=pem-embedded", key, HashAlgorithmName.SHA256);
            using var created = request.CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
            await File.WriteAllTextAsync(directory.Combine("tls.crt"), created.ExportCertificatePem());
            await File.WriteAllTextAsync(directory.Combine("tls.key"), key.ExportPkcs8PrivateKeyPem());
        }

        using var certificate = MaasServerCertificates.LoadPem(directory.Combine("tls.crt"), directory.Combine("tls.key"));
        Assert.True(certificate.HasPrivateKey);
        await using var app = await StartAsync(certificate, SslProtocols.Tls13);

        var (status, seen) = await GetAsync(app, SslProtocols.Tls13);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("CN=pem-embedded", seen.Subject);
        seen.Dispose();
        await Assert.ThrowsAsync<HttpRequestException>(() => GetAsync(app, SslProtocols.Tls12));
    }

    [Fact]
    public void Missing_unreadable_or_mismatched_pem_files_throw_their_documented_exceptions()
    {
        using var directory = new TemporaryDirectory();
        var certPath = directory.Combine("tls.crt");
        var keyPath = directory.Combine("tls.key");
        Assert.ThrowsAny<IOException>(() => MaasServerCertificates.LoadPem(certPath, keyPath));

        using var certificate = MaasServerCertificates.CreateSelfSigned("one", TimeProvider.System);
        File.WriteAllText(certPath, certificate.ExportCertificatePem());
        File.WriteAllText(keyPath, "not a key");
        Assert.ThrowsAny<CryptographicException>(() => MaasServerCertificates.LoadPem(certPath, keyPath));

        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        File.WriteAllText(keyPath, otherKey.ExportPkcs8PrivateKeyPem());
        Assert.Throws<ArgumentException>(() => MaasServerCertificates.LoadPem(certPath, keyPath));
    }

    [Fact]
    public void Only_tls12_and_tls13_are_minimum_versions()
    {
        var issuedAt = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        using var certificate = MaasServerCertificates.CreateSelfSigned("maas-embedded", new FakeTimeProvider(issuedAt));
        Exception? error = null;
        new KestrelServerOptions().Listen(IPAddress.Loopback, 0, listen => error = Record.Exception(() => listen.UseMaasHttps(certificate, SslProtocols.None)));
        Assert.IsType<ArgumentOutOfRangeException>(error);
    }

    private static async Task<WebApplication> StartAsync(X509Certificate2 certificate, SslProtocols minimumVersion)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseMaasHttps(certificate, minimumVersion)));
        var app = builder.Build();
        app.MapGet("/", () => "up");
        await app.StartAsync();
        return app;
    }

    private static async Task<(HttpStatusCode Status, X509Certificate2 Seen)> GetAsync(WebApplication app, SslProtocols client)
    {
        X509Certificate2? seen = null;
        using var handler = new HttpClientHandler
        {
            SslProtocols = client,
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return true;
            },
        };
        using var http = new HttpClient(handler) { BaseAddress = app.GetAddress() };
        var response = await http.GetAsync(new Uri("/", UriKind.Relative));
        return (response.StatusCode, seen!);
    }
}
