using System.Security.Cryptography;
using Maas.Storage.PostgreSql.Signing;
using Maas.Testing;

namespace Maas.Storage.PostgreSql.Tests;

public sealed class SigningKeyStoreTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Replicas_starting_together_create_one_key_and_all_get_it()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        var replicas = Enumerable.Range(0, 5).Select(_ => new PostgreSqlSigningKeyStore(database.CreateDataSource())).ToList();

        var loaded = await Task.WhenAll(replicas.Select(r => Task.Run(() => r.LoadOrCreateAsync())));

        Assert.Equal(1L, await database.ExecuteScalarAsync("SELECT count(*) FROM signing_keys"));
        var kid = Assert.Single(loaded[0]).KeyId;
        Assert.All(loaded, keys => Assert.Equal(kid, Assert.Single(keys).KeyId));

        // Every replica holds the same private key: a signature made by one verifies with another's.
        var data = "token"u8.ToArray();
        var signature = loaded[0][0].Key.SignData(data, HashAlgorithmName.SHA256);
        Assert.All(loaded, keys => Assert.True(keys[0].Key.VerifyData(data, signature, HashAlgorithmName.SHA256)));
        foreach (var key in loaded.SelectMany(k => k))
        {
            key.Key.Dispose();
        }
    }

    [Fact]
    public async Task Keys_survive_a_restart_and_retired_keys_are_skipped_newest_first()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        await database.CreateInitializedStoreAsync();
        var first = Assert.Single(await new PostgreSqlSigningKeyStore(database.CreateDataSource()).LoadOrCreateAsync());

        using var newer = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var newerKid = PostgreSqlSigningKeyStore.Thumbprint(newer);
        await database.ExecuteScalarAsync(
            $"INSERT INTO signing_keys (kid, private_key_pem, created_at) VALUES ('{newerKid}', '{newer.ExportPkcs8PrivateKeyPem()}', now() + interval '1 minute')");
        await database.ExecuteScalarAsync(
            $"INSERT INTO signing_keys (kid, private_key_pem, created_at, retired_at) VALUES ('retired', '{newer.ExportPkcs8PrivateKeyPem()}', now() + interval '2 minutes', now())");

        var reloaded = await new PostgreSqlSigningKeyStore(database.CreateDataSource()).LoadOrCreateAsync();

        Assert.Equal([newerKid, first.KeyId], reloaded.Select(k => k.KeyId));
        Assert.Equal(first.Key.ExportSubjectPublicKeyInfo(), reloaded[1].Key.ExportSubjectPublicKeyInfo());
        Assert.Equal(PostgreSqlSigningKeyStore.Thumbprint(reloaded[1].Key), reloaded[1].KeyId);
    }

    [Fact]
    public void Thumbprint_follows_rfc_7638()
    {
        // The EC key of RFC 7517 appendix A.1; expected value from SHA-256 over the RFC 7638 member string, computed outside .NET.
        using var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint
            {
                X = Base64UrlDecode("f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU"),
                Y = Base64UrlDecode("x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"),
            },
        });

        Assert.Equal("oKIywvGUpTVTyxMQ3bwIIeQUudfr_CkLMjCE19ECD-U", PostgreSqlSigningKeyStore.Thumbprint(key));
    }

    private static byte[] Base64UrlDecode(string text) =>
        Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/') + new string('=', (4 - (text.Length % 4)) % 4));
}
