using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Maas.Hosting.Kestrel;

/// <summary>The server certificates a Maas host serves HTTPS with: an operator's PEM pair, or a self-signed one for development.</summary>
public static class MaasServerCertificates
{
    /// <summary>
    /// Loads a certificate and its private key from PEM files (as a Kubernetes TLS secret mounts them:
    /// <c>tls.crt</c>, <c>tls.key</c>). The pair is re-imported as PKCS#12 so that the key is usable by
    /// the TLS stack on every platform (a key read from PEM is ephemeral, which Windows' SChannel refuses).
    /// </summary>
    /// <param name="certificatePath">The PEM file of the certificate (and any chain after it).</param>
    /// <param name="keyPath">The PEM file of its private key.</param>
    /// <returns>The certificate with its private key.</returns>
    /// <exception cref="CryptographicException">A file does not hold a PEM certificate or key.</exception>
    /// <exception cref="ArgumentException">The key is not the certificate's.</exception>
    /// <exception cref="IOException">A file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A file may not be read.</exception>
    public static X509Certificate2 LoadPem(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(certificatePath);
        ArgumentException.ThrowIfNullOrEmpty(keyPath);
        using var pem = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// Creates a self-signed certificate for development: ECDSA P-256, subject <c>CN=</c><paramref name="hostName"/>,
    /// valid for <c>localhost</c>, <paramref name="hostName"/> and 127.0.0.1, from five minutes ago for a year.
    /// No client trusts it unless told to; never serve it where that matters.
    /// </summary>
    /// <param name="hostName">The name the certificate is issued to, besides <c>localhost</c>.</param>
    /// <param name="timeProvider">The clock the validity starts from.</param>
    /// <returns>The certificate with its private key.</returns>
    public static X509Certificate2 CreateSelfSigned(string hostName, TimeProvider timeProvider)
    {
        ArgumentException.ThrowIfNullOrEmpty(hostName);
        ArgumentNullException.ThrowIfNull(timeProvider);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + hostName, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddDnsName(hostName);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        var now = DateTimeOffset.FromUnixTimeSeconds(timeProvider.GetUtcNow().ToUnixTimeSeconds());
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(365));
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pkcs12), null);
    }
}
