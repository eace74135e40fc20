using System.Security.Cryptography;
using Maas.Testing;

namespace Maas.Storage.Sqlite.Tests;

public sealed class SigningKeyFileTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_key_file_sits_beside_the_database()
    {
        Assert.Equal(_folder.Combine("maas-api.db.signing-key.pem"), SigningKeyFile.PathFor(_folder.Combine("maas-api.db")));
    }

    [Fact]
    public async Task A_missing_file_is_created_with_one_p256_key_readable_by_the_owner_only()
    {
        var dataPath = _folder.Combine("new", "maas-api.db");

        var keys = await SigningKeyFile.LoadOrCreateAsync(dataPath);

        var key = Assert.Single(keys);
        Assert.Equal(256, key.KeySize);
        Assert.Equal(ECCurve.NamedCurves.nistP256.Oid.Value, key.ExportParameters(false).Curve.Oid.Value);
        var path = SigningKeyFile.PathFor(dataPath);
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }

        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!));
        Dispose(keys);
    }

    [Fact]
    public async Task Loading_again_returns_the_same_key()
    {
        var dataPath = _folder.Combine("maas-api.db");
        var first = await SigningKeyFile.LoadOrCreateAsync(dataPath);
        var second = await SigningKeyFile.LoadOrCreateAsync(dataPath);

        Assert.Equal(PublicKey(first[0]), PublicKey(second[0]));
        var data = "payload"u8.ToArray();
        Assert.True(second[0].VerifyData(data, first[0].SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        Dispose(first);
        Dispose(second);
    }

    [Fact]
    public async Task Processes_starting_together_share_one_key()
    {
        var dataPath = _folder.Combine("maas-api.db");

        var loaded = await Task.WhenAll(Enumerable.Range(0, 16).Select(_ => Task.Run(() => SigningKeyFile.LoadOrCreateAsync(dataPath))));

        Assert.Single(loaded.Select(keys => PublicKey(Assert.Single(keys))).Distinct());
        Assert.Single(Directory.GetFiles(_folder.Path));
        foreach (var keys in loaded)
        {
            Dispose(keys);
        }
    }

    [Fact]
    public async Task Every_key_in_the_file_is_returned_in_order()
    {
        var dataPath = _folder.Combine("maas-api.db");
        using var a = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        using var b = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        await File.WriteAllTextAsync(SigningKeyFile.PathFor(dataPath), a.ExportPkcs8PrivateKeyPem() + "\n" + b.ExportECPrivateKeyPem() + "\n");

        var keys = await SigningKeyFile.LoadOrCreateAsync(dataPath);

        Assert.Equal([PublicKey(a), PublicKey(b)], keys.Select(PublicKey));
        Dispose(keys);
    }

    [Fact]
    public async Task A_file_readable_by_others_is_narrowed_to_the_owner()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        var dataPath = _folder.Combine("maas-api.db");
        Dispose(await SigningKeyFile.LoadOrCreateAsync(dataPath));
        var path = SigningKeyFile.PathFor(dataPath);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        Dispose(await SigningKeyFile.LoadOrCreateAsync(dataPath));

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a pem at all")]
    [InlineData("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")]
    public async Task A_file_without_a_usable_key_fails_naming_the_path(string content)
    {
        var dataPath = _folder.Combine("maas-api.db");
        var path = SigningKeyFile.PathFor(dataPath);
        await File.WriteAllTextAsync(path, content);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SigningKeyFile.LoadOrCreateAsync(dataPath));

        Assert.Contains(path, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("AAAA", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_on_another_curve_is_refused()
    {
        var dataPath = _folder.Combine("maas-api.db");
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        await File.WriteAllTextAsync(SigningKeyFile.PathFor(dataPath), p384.ExportPkcs8PrivateKeyPem());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SigningKeyFile.LoadOrCreateAsync(dataPath));

        Assert.Contains("P-256", error.Message, StringComparison.Ordinal);
    }

    private static string PublicKey(ECDsa key) => Convert.ToBase64String(key.ExportSubjectPublicKeyInfo());

    private static void Dispose(IReadOnlyList<ECDsa> keys)
    {
        foreach (var key in keys)
        {
            key.Dispose();
        }
    }
}
