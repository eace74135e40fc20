using System.Collections.Concurrent;
using Maas.Testing;
using Microsoft.Extensions.Logging;

namespace Maas.Storage.PostgreSql.Tests;

[Collection(ServerCollectionDefinition.Name)]
public sealed class CommandLoggingTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Hundred_key_creations_log_no_sql_command_lines_at_information()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var lines = new ConcurrentQueue<(string Category, LogLevel Level)>();
        using var loggers = new CapturingLoggerFactory(lines);
        await using var dataSource = PostgreSqlDataSourceFactory.Create(database.Options, loggers);
        var store = new PostgreSqlKeyStore(dataSource);
        await store.InitializeAsync();

        for (var i = 0; i < 100; i++)
        {
            await store.AddAsync(TestKeys.Create("alice"));
        }

        Assert.DoesNotContain(lines, l => l.Category == QuietCommandLoggerFactory.CommandCategory);
        Assert.InRange(lines.Count, 0, 10);

        // Npgsql on the same logger factory without the filter logs a line per command.
        var npgsqlOwn = new Npgsql.NpgsqlDataSourceBuilder(database.ConnectionString).UseLoggerFactory(loggers);
        await using (var unfiltered = npgsqlOwn.Build())
        {
            await using var command = unfiltered.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync();
        }

        Assert.Contains(lines, l => l.Category == QuietCommandLoggerFactory.CommandCategory && l.Level == LogLevel.Information);
    }

    private sealed class CapturingLoggerFactory(ConcurrentQueue<(string Category, LogLevel Level)> lines) : ILoggerFactory
    {
        public ILogger CreateLogger(string categoryName) => new CapturingLogger(categoryName, lines);

        public void AddProvider(ILoggerProvider provider)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class CapturingLogger(string category, ConcurrentQueue<(string Category, LogLevel Level)> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Information)
            {
                lines.Enqueue((category, logLevel));
            }
        }
    }
}
