using Maas.ApiKeys;
using Maas.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>The connection password never shows in an exception message or its ToString (cause included).</summary>
public sealed class SecretRedactionTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Wrong_password_error_does_not_contain_either_password()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        const string WrongPassword = "Wr0ng-Pa55word-that-must-not-leak";
        var url = $"postgresql://{PostgreSqlServer.SuperuserName}:{Uri.EscapeDataString(WrongPassword)}@{server.Host}:{server.Port}/{database.Name}";
        var store = new PostgreSqlKeyStore(database.CreateDataSource(new PostgreSqlStorageOptions { ConnectionUrl = url }));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.InitializeAsync());
        var later = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.GetAsync("alice", "id"));

        foreach (var text in new[] { error.Message, error.ToString(), later.Message, later.ToString() })
        {
            Assert.DoesNotContain(WrongPassword, text, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(WrongPassword), text, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Password, text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Unreachable_host_error_does_not_contain_the_password()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var url = $"postgresql://{PostgreSqlServer.SuperuserName}:{Uri.EscapeDataString(server.Password)}@127.0.0.1:{FreePort.OnLoopback()}/{database.Name}?connect_timeout=2";
        var store = new PostgreSqlKeyStore(database.CreateDataSource(new PostgreSqlStorageOptions { ConnectionUrl = url }));

        var error = await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.AddAsync(TestKeys.Create("alice")));

        Assert.DoesNotContain(server.Password, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Uri.EscapeDataString(server.Password), error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Password", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Connection_string_of_an_open_connection_does_not_carry_the_password()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var dataSource = database.CreateDataSource();

        await using var connection = await dataSource.OpenConnectionAsync();

        Assert.DoesNotContain(server.Password, connection.ConnectionString, StringComparison.Ordinal);
        Assert.DoesNotContain(server.Password, dataSource.ConnectionString, StringComparison.Ordinal);
    }
}
