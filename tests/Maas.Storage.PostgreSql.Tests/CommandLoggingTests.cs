using Maas.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Storage.PostgreSql.Tests;

[Collection(ServerCollectionDefinition.Name)]
public sealed class CommandLoggingTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Hundred_key_creations_log_no_sql_command_lines_at_information()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        await using var dataSource = PostgreSqlDataSourceFactory.Create(database.Options, loggers);
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();

        for (var i = 0; i < 100; i++)
        {
            await store.AddAsync(TestKeys.Create("alice"));
        }

        var lines = collector.GetSnapshot().Where(l => l.Level >= LogLevel.Information).ToList();
        Assert.DoesNotContain(lines, l => l.Category == QuietCommandLoggerFactory.CommandCategory);
        Assert.InRange(lines.Count, 0, 10);

        // Npgsql on the same logger factory without the filter logs a line per command.
        var npgsqlOwn = new Npgsql.NpgsqlDataSourceBuilder(database.ConnectionString).UseLoggerFactory(loggers);
        await using (var unfiltered = npgsqlOwn.Build())
        {
            await using var command = unfiltered.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
        }

        Assert.Contains(collector.GetSnapshot(), l => l.Category == QuietCommandLoggerFactory.CommandCategory && l.Level == LogLevel.Information);
    }
}
