using Maas.Revocation;
using Maas.Storage.PostgreSql.Revocation;
using Maas.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

public sealed class NpgsqlLoggingTests(PostgreSqlServer server)
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
        Assert.DoesNotContain(lines, l => l.Category == QuietNpgsqlLoggerFactory.CommandCategory);
        Assert.InRange(lines.Count, 0, 10);

        // Npgsql on the same logger factory without the filter logs a line per command.
        var npgsqlOwn = new Npgsql.NpgsqlDataSourceBuilder(database.ConnectionString).UseLoggerFactory(loggers);
        await using (var unfiltered = npgsqlOwn.Build())
        {
            await using var command = unfiltered.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
        }

        Assert.Contains(collector.GetSnapshot(), l => l.Category == QuietNpgsqlLoggerFactory.CommandCategory && l.Level == LogLevel.Information);
    }

    [Fact]
    public async Task Revocation_listener_waiting_for_notifications_logs_no_npgsql_connection_chatter_below_warning()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(new FakeLoggerProvider(collector)));
        var store = await database.CreateInitializedStoreAsync();
        var key = TestKeys.Create("alice");
        await store.AddAsync(key);

        await using (var dataSource = PostgreSqlDataSourceFactory.CreateForListener(database.Options, loggers))
        {
            var signal = new RevocationSignal();
            var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using var subscription = signal.Subscribe(e =>
            {
                if (e.KeyId == key.Id)
                {
                    received.TrySetResult();
                }
            });
            await using var listener = new PostgreSqlRevocationListener(dataSource, signal, logger: loggers.CreateLogger<PostgreSqlRevocationListener>());
            await listener.StartAsync(CancellationToken.None);

            // A notification reaches the listener only through NpgsqlConnection.WaitAsync: once it has arrived, the listener has waited.
            Assert.True(await store.RevokeAsync("alice", key.Id, TestKeys.Epoch));
            await received.Task.WaitAsync(TimeSpan.FromSeconds(15));
            await listener.StopAsync(CancellationToken.None);
        }

        Assert.DoesNotContain(collector.GetSnapshot(), l => l.Category != null && l.Category.StartsWith("Npgsql", StringComparison.Ordinal) && l.Level < LogLevel.Warning);

        // Npgsql on the same logger factory without the filter logs every wait at Information.
        await using (var unfiltered = new Npgsql.NpgsqlDataSourceBuilder(database.ConnectionString).UseLoggerFactory(loggers).Build())
        {
            await using var waiting = await unfiltered.OpenConnectionAsync();
            await using (var listen = new Npgsql.NpgsqlCommand("LISTEN npgsql_logging_test", waiting))
            {
                await listen.ExecuteNonQueryAsync();
            }

            var wait = waiting.WaitAsync(TimeSpan.FromSeconds(15));
            await using (var notifier = await unfiltered.OpenConnectionAsync())
            await using (var notify = new Npgsql.NpgsqlCommand("NOTIFY npgsql_logging_test", notifier))
            {
                await notify.ExecuteNonQueryAsync();
            }

            Assert.True(await wait, "the notification did not arrive");
        }

        Assert.Contains(collector.GetSnapshot(), l => l.Category == QuietNpgsqlLoggerFactory.ConnectionCategory && l.Level == LogLevel.Information
            && l.Message.StartsWith("Starting to wait", StringComparison.Ordinal));
    }
}
