using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Maas.Tokens;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;

namespace Maas.Core.Tests.Tokens;

public sealed class SigningKeyRingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("maas-keys-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Kid_is_the_RFC_7638_thumbprint_of_the_public_key()
    {
        using var key = SigningKeyRing.GenerateKey();
        var parameters = key.ExportParameters(false);
        var x = Base64Url.EncodeToString(parameters.Q.X);
        var y = Base64Url.EncodeToString(parameters.Q.Y);
        var canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
        var expected = Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));

        using var ring = new SigningKeyRing([key]);

        var jwk = Assert.Single(ring.GetPublicKeys());
        Assert.Equal(expected, jwk.Kid);
        Assert.Equal(43, jwk.Kid.Length);
        Assert.Equal(x, jwk.X);
        Assert.Equal(y, jwk.Y);
        Assert.Equal(("EC", "P-256", "ES256", "sig"), (jwk.Kty, jwk.Crv, jwk.Alg, jwk.Use));
    }

    [Fact]
    public void Thumbprint_matches_a_fixed_vector()
    {
        // x = 0x01..0x20, y = 0x21..0x40; the expected value is SHA-256 over the canonical JSON, computed by hand.
        var x = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        var y = Enumerable.Range(33, 32).Select(i => (byte)i).ToArray();
        var json = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA\",\"y\":\"ISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0-P0A\"}";

        Assert.Equal(Base64Url.EncodeToString(SHA256.HashData(Encoding.UTF8.GetBytes(json))), SigningKey.ComputeThumbprint(x, y));
    }

    [Fact]
    public void Without_key_files_one_key_is_generated_and_one_warning_logged()
    {
        var logger = new FakeLogger<SigningKeyRing>();

        using var ring = new SigningKeyRing(Microsoft.Extensions.Options.Options.Create(new MaasOptions()), logger, []);

        Assert.Single(ring.GetPublicKeys());
        var warning = Assert.Single(logger.Collector.GetSnapshot(), e => e.Level == LogLevel.Warning);
        Assert.Equal(1100, warning.Id.Id);
        Assert.Contains(ring.Current.Kid, warning.Message, StringComparison.Ordinal);
        Assert.Contains("process exits", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pkcs8")]
    [InlineData("sec1")]
    [InlineData("sec1-with-parameters")]
    public void Loads_P256_private_keys_from_PEM(string format)
    {
        using var key = SigningKeyRing.GenerateKey();
        var pem = format switch
        {
            "pkcs8" => key.ExportPkcs8PrivateKeyPem(),
            "sec1" => key.ExportECPrivateKeyPem(),
            _ => "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + key.ExportECPrivateKeyPem(),
        };
        var path = Write("key.pem", pem);
        var logger = new FakeLogger<SigningKeyRing>();

        using var ring = new SigningKeyRing(OptionsFor(path), logger, []);

        Assert.Equal(Thumbprint(key), ring.Current.Kid);
        Assert.DoesNotContain(logger.Collector.GetSnapshot(), e => e.Level >= LogLevel.Warning);
    }

    [Fact]
    public void Exported_PKCS8_PEM_loads_back_to_the_same_key()
    {
        using var key = SigningKeyRing.GenerateKey();
        var pem = SigningKeyRing.ExportPkcs8Pem(key);

        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", pem, StringComparison.Ordinal);
        using var loaded = SigningKeyRing.ImportPem(pem, "exported");
        Assert.Equal(Thumbprint(key), Thumbprint(loaded));
    }

    [Fact]
    public void An_RSA_key_is_refused_with_a_message_naming_the_file_and_no_key_material()
    {
        using var rsa = RSA.Create(2048);
        var pkcs8 = rsa.ExportPkcs8PrivateKeyPem();
        var path = Write("rsa.pem", pkcs8);

        var error = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(path), new FakeLogger<SigningKeyRing>(), []));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("P-256", error.Message, StringComparison.Ordinal);
        AssertNoKeyMaterial(error, pkcs8);
    }

    [Fact]
    public void A_PKCS1_RSA_key_is_refused_with_a_message_naming_the_file()
    {
        using var rsa = RSA.Create(2048);
        var path = Write("rsa1.pem", rsa.ExportRSAPrivateKeyPem());

        var error = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(path), new FakeLogger<SigningKeyRing>(), []));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_on_another_curve_is_refused_with_a_message_naming_the_file()
    {
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var pem = p384.ExportPkcs8PrivateKeyPem();
        var path = Write("p384.pem", pem);

        var error = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(path), new FakeLogger<SigningKeyRing>(), []));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.Contains("P-256", error.Message, StringComparison.Ordinal);
        AssertNoKeyMaterial(error, pem);
    }

    [Fact]
    public void An_encrypted_key_or_two_keys_in_one_file_are_refused_naming_the_file()
    {
        using var key = SigningKeyRing.GenerateKey();
        using var other = SigningKeyRing.GenerateKey();
        var encrypted = key.ExportEncryptedPkcs8PrivateKeyPem("secret", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000));
        var encryptedPath = Write("encrypted.pem", encrypted);
        var twoPath = Write("two.pem", key.ExportPkcs8PrivateKeyPem() + other.ExportPkcs8PrivateKeyPem());

        var encryptedError = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(encryptedPath), new FakeLogger<SigningKeyRing>(), []));
        var twoError = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(twoPath), new FakeLogger<SigningKeyRing>(), []));

        Assert.Contains(encryptedPath, encryptedError.Message, StringComparison.Ordinal);
        Assert.Contains("encrypted", encryptedError.Message, StringComparison.Ordinal);
        Assert.Contains(twoPath, twoError.Message, StringComparison.Ordinal);
        AssertNoKeyMaterial(encryptedError, encrypted);
    }

    [Fact]
    public void A_public_key_or_a_missing_file_is_refused_naming_the_file()
    {
        using var key = SigningKeyRing.GenerateKey();
        var publicPath = Write("public.pem", key.ExportSubjectPublicKeyInfoPem());
        var missingPath = Path.Combine(_directory, "missing.pem");

        var publicError = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(publicPath), new FakeLogger<SigningKeyRing>(), []));
        var missingError = Assert.Throws<InvalidOperationException>(() => new SigningKeyRing(OptionsFor(missingPath), new FakeLogger<SigningKeyRing>(), []));

        Assert.Contains(publicPath, publicError.Message, StringComparison.Ordinal);
        Assert.Contains(missingPath, missingError.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void First_file_signs_and_later_files_only_verify()
    {
        using var current = SigningKeyRing.GenerateKey();
        using var previous = SigningKeyRing.GenerateKey();
        var currentPath = Write("current.pem", current.ExportPkcs8PrivateKeyPem());
        var previousPath = Write("previous.pem", previous.ExportECPrivateKeyPem());

        using var ring = new SigningKeyRing(OptionsFor(currentPath, previousPath), new FakeLogger<SigningKeyRing>(), []);

        Assert.Equal([Thumbprint(current), Thumbprint(previous)], ring.GetPublicKeys().Select(k => k.Kid));
        Assert.Equal(Thumbprint(current), ring.Current.Kid);
        Assert.True(ring.TryGetKey(Thumbprint(previous), out var found));
        Assert.Equal(Thumbprint(previous), found.Kid);
        Assert.True(ring.TryGetKey(Thumbprint(previous).AsSpan(), out _));
        Assert.False(ring.TryGetKey("unknown", out _));
    }

    [Fact]
    public void The_same_key_listed_twice_is_kept_once()
    {
        using var key = SigningKeyRing.GenerateKey();
        var pem = key.ExportPkcs8PrivateKeyPem();

        using var ring = new SigningKeyRing([SigningKeyRing.ImportPem(pem, "a"), SigningKeyRing.ImportPem(pem, "b")]);

        Assert.Single(ring.GetPublicKeys());
    }

    [Fact]
    public void A_ring_needs_a_current_key_that_can_sign()
    {
        using var key = SigningKeyRing.GenerateKey();
        using var publicOnly = ECDsa.Create(key.ExportParameters(false));

        Assert.Throws<ArgumentException>(() => new SigningKeyRing([]));
        Assert.Throws<ArgumentException>(() => new SigningKeyRing([publicOnly]));
    }

    [Fact]
    public void Keys_of_a_registered_provider_are_used_when_no_files_are_configured_and_files_win_otherwise()
    {
        using var provided = SigningKeyRing.GenerateKey();
        var expectedKid = SigningKey.Create(provided).Kid;
        var logger = new FakeLogger<SigningKeyRing>();
        using var ring = new SigningKeyRing(Microsoft.Extensions.Options.Options.Create(new MaasOptions()), logger, [new FixedProvider(provided)]);
        Assert.Equal(expectedKid, ring.Current.Kid);

        var path = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".pem");
        using var fileKey = SigningKeyRing.GenerateKey();
        File.WriteAllText(path, SigningKeyRing.ExportPkcs8Pem(fileKey));
        try
        {
            using var other = SigningKeyRing.GenerateKey();
            using var fromFiles = new SigningKeyRing(OptionsFor(path), logger, [new FixedProvider(other)]);
            Assert.Equal(SigningKey.Create(fileKey).Kid, fromFiles.Current.Kid);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class FixedProvider(ECDsa key) : ISigningKeyProvider
    {
        public IReadOnlyList<ECDsa> GetSigningKeys()
        {
            var copy = ECDsa.Create();
            copy.ImportParameters(key.ExportParameters(includePrivateParameters: true));
            return [copy];
        }
    }

    private static IOptions<MaasOptions> OptionsFor(params string[] files)
    {
        var options = new MaasOptions();
        foreach (var file in files)
        {
            options.Signing.KeyFiles.Add(file);
        }

        return Microsoft.Extensions.Options.Options.Create(options);
    }

    private static string Thumbprint(ECDsa key)
    {
        var q = key.ExportParameters(false).Q;
        return SigningKey.ComputeThumbprint(q.X, q.Y);
    }

    private static void AssertNoKeyMaterial(Exception error, string pem)
    {
        var body = string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)));
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            for (var i = 0; i + 16 <= body.Length; i += 16)
            {
                Assert.DoesNotContain(body.Substring(i, 16), e.Message, StringComparison.Ordinal);
            }
        }
    }

    private string Write(string name, string content)
    {
        var path = Path.Combine(_directory, name);
        File.WriteAllText(path, content);
        return path;
    }
}
