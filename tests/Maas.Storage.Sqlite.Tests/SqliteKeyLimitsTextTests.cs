using System.Text.Json;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Testing;
using Maas.Tiers;
using Maas.Users;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Storage.Sqlite.Tests;

/// <summary>A key's own limits are one JSON text: the file's <c>limits</c> column and the audit detail of their change.</summary>
public sealed class SqliteKeyLimitsTextTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task A_keys_limits_column_and_the_new_limits_of_its_audit_detail_are_the_same_json()
    {
        var path = _folder.Combine("maas-api.db");
        await using var store = new SqliteKeyStore(new SqliteKeyStoreOptions { DataPath = path });
        await store.InitializeAsync();
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IKeyStore>(store).AddSingleton<IAuditLog>(store);
        services.AddMaasCore();
        services.Configure<MaasOptions>(o => o.Admins.Groups.Add("maas-admins"));
        await using var provider = services.BuildServiceProvider();
        var keys = provider.GetRequiredService<ApiKeyService>();
        var created = await keys.CreateAsync(new MaasUser("alice", ["system:authenticated"]), new ApiKeyRequest { Name = "ci" });

        await keys.SetLimitsAsync(new MaasUser("root", ["system:authenticated", "maas-admins"]), created.Record.Id, new ApiKeyLimits
        {
            Requests = 5,
            TokensPerMinute = 100,
            Budgets = [new TierBudget { Period = "Month", Tokens = TierBudget.MaxAmount }, new TierBudget { Period = "day", Requests = 7 }],
        });

        var column = LimitsColumn(path, created.Record.Id);
        Assert.Equal(
            $$"""{"requests":5,"tokensPerMinute":100,"budgets":[{"period":"month","tokens":{{TierBudget.MaxAmount}},"requests":0},{"period":"day","tokens":0,"requests":7}]}""",
            column);
        var entry = (await store.QueryAsync(new AuditQuery())).Entries.Single(e => e.Action == AuditAction.SetLimits);
        using var detail = JsonDocument.Parse(entry.Detail!);
        Assert.Equal(column, detail.RootElement.GetProperty("new").GetRawText());
    }

    private static string LimitsColumn(string path, string id)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT limits FROM api_keys WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        return (string)command.ExecuteScalar()!;
    }
}
