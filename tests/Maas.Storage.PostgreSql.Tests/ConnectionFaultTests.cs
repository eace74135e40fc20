using System.Globalization;
using Maas.ApiKeys;
using Maas.Testing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using Maas.Storage.SpecificationTests;

namespace Maas.Storage.PostgreSql.Tests;

/// <summary>
/// Why PostgreSQL cannot be used is said in words an operator acts on: an SSL mismatch, a refused
/// password and a server that cannot be reached are three different messages, none holding the
/// password; and a store that keeps failing logs one line per cause every 10 s, without a stack trace.
/// </summary>
public sealed class ConnectionFaultTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Ssl_mismatch_refused_password_and_unreachable_server_are_three_distinct_unavailability_messages()
    {
        await using var database = await TestDatabase.CreateAsync(server);
        var ssl = await InitializeFailureAsync(database.Url + "?sslmode=require");
        var password = await InitializeFailureAsync(database.Url.Replace(Uri.EscapeDataString(server.Password), "not-the-password", StringComparison.Ordinal));
        var unreachable = await InitializeFailureAsync(
            string.Create(CultureInfo.InvariantCulture, $"postgresql://maas_admin:{Uri.EscapeDataString(server.Password)}@127.0.0.1:{FreePort.OnLoopback()}/maas"));

        Assert.Equal("The PostgreSQL server does not offer SSL, and the database URL requires it (sslmode=require or stricter).", ssl.Message);
        Assert.Equal("PostgreSQL refused the password (SQLSTATE 28P01): check the user and password of the database URL.", password.Message);
        Assert.Equal("The PostgreSQL server cannot be reached (ConnectionRefused); retry later.", unreachable.Message);
        foreach (var failure in new[] { ssl, password, unreachable })
        {
            Assert.DoesNotContain(server.Password, failure.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_store_that_keeps_failing_logs_one_line_naming_the_cause_every_ten_seconds_without_a_stack_trace()
    {
        var collector = new FakeLogCollector();
        using var loggers = LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Debug).AddProvider(new FakeLoggerProvider(collector)));
        var clock = new FakeTimeProvider();
        await using var dataSource = PostgreSqlDataSourceFactory.Create(new PostgreSqlStorageOptions
        {
            ConnectionUrl = string.Create(CultureInfo.InvariantCulture, $"postgresql://maas_admin:secret@127.0.0.1:{FreePort.OnLoopback()}/maas"),
        }, loggers);
        var store = new PostgreSqlKeyStore(dataSource, clock, loggers.CreateLogger<PostgreSqlKeyStore>());

        await Task.WhenAll(Enumerable.Range(0, 40).Select(_ => Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.FindByHashAsync(TestKeys.Create("alice").Hash))));
        var line = Assert.Single(UnavailableLines(collector));
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.Contains("cannot be reached (ConnectionRefused)", line.Message, StringComparison.Ordinal);
        Assert.Null(line.Exception);

        clock.Advance(TimeSpan.FromSeconds(10));
        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await store.FindByHashAsync(TestKeys.Create("alice").Hash));
        Assert.Equal(2, UnavailableLines(collector).Count);
        Assert.Contains("(40 operation(s) failed", UnavailableLines(collector)[1].Message, StringComparison.Ordinal);
    }

    private static List<FakeLogRecord> UnavailableLines(FakeLogCollector collector) =>
        [.. collector.GetSnapshot().Where(l => l.Id.Id == 2101)];

    private static async Task<StoreUnavailableException> InitializeFailureAsync(string url)
    {
        await using var dataSource = PostgreSqlDataSourceFactory.Create(new PostgreSqlStorageOptions { ConnectionUrl = url });
        var store = new PostgreSqlKeyStore(dataSource);
        return await Assert.ThrowsAsync<StoreUnavailableException>(() => store.InitializeAsync());
    }
}
