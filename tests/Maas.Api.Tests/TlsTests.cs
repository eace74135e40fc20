using System.Net;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// --secure serves HTTPS with a self-signed certificate or the PEM pair given by --tls-cert/--tls-key. The start-up
/// errors run the host's program in-process (<see cref="StartupValidationTests.RunInProcessAsync"/>): what they check,
/// the exit code and the one line on stderr, needs no process of its own.
/// </summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Self_signed_certificate_serves_https()
    {
        await using var server = await MaasApiServer.StartAsync(["--secure", "--tls-self-signed"]);
        Assert.Equal("https", server.BaseAddress.Scheme);
        X509Certificate2? seen = null;
        using var handler = new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, _) =>
            {
                seen = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.RawData);
                return true;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.NotNull(seen);
        Assert.Equal("CN=maas-api", seen!.Subject);
        seen.Dispose();
    }

    [Fact]
    public async Task Pem_certificate_and_key_files_serve_https_with_the_minimum_tls_version()
    {
        using var directory = new TemporaryDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=pem-served", key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var certPath = directory.Combine("tls.crt");
        var keyPath = directory.Combine("tls.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var server = await MaasApiServer.StartAsync(["--secure", "--tls-cert", certPath, "--tls-key", keyPath, "--tls-min-version", "1.3"]);
        string? subject = null;
        using var handler = new HttpClientHandler
        {
            SslProtocols = SslProtocols.Tls13,
            ServerCertificateCustomValidationCallback = (_, c, _, _) =>
            {
                subject = c?.Subject;
                return true;
            },
        };
        using var client = new HttpClient(handler) { BaseAddress = server.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal("CN=pem-served", subject);
    }

    [Fact]
    public async Task Secure_without_a_certificate_stops_start_up()
    {
        var (exitCode, stderr, _) = await StartupValidationTests.RunInProcessAsync(["--secure"], []);
        Assert.Equal(2, exitCode);
        Assert.Contains("--secure needs --tls-cert and --tls-key, or --tls-self-signed", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("mismatched")]
    [InlineData("missing")]
    [InlineData("not PEM")]
    public async Task A_certificate_and_key_that_cannot_serve_stop_start_up_with_one_line(string fault)
    {
        using var directory = new TemporaryDirectory();
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var otherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var certificate = new CertificateRequest("CN=pem-served", key, HashAlgorithmName.SHA256)
            .CreateSelfSigned(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var certPath = directory.Combine("tls.crt");
        var keyPath = directory.Combine("tls.key");
        await File.WriteAllTextAsync(certPath, fault == "not PEM" ? "not a certificate" : certificate.ExportCertificatePem());
        if (fault != "missing")
        {
            await File.WriteAllTextAsync(keyPath, (fault == "mismatched" ? otherKey : key).ExportPkcs8PrivateKeyPem());
        }

        var (exitCode, stderr, _) = await StartupValidationTests.RunInProcessAsync(["--secure", "--tls-cert", certPath, "--tls-key", keyPath], []);
        Assert.Equal(2, exitCode);
        Assert.Contains("--tls-cert/--tls-key could not be loaded", stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
    }
}
