using System.Globalization;
using System.Net;
using System.Text.Json;
using Maas.Revocation;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// maas-api on PostgreSQL when the database cannot be used: at start one line saying why and exit
/// code 2; while running, one log line per cause every 10 s however many requests fail, and none
/// of Npgsql's Information chatter. The start-up cases run the host's program in-process
/// (<see cref="StartupValidationTests.RunInProcessAsync"/>); what the process would print on stdout is its log, checked as such.
/// </summary>
[Collection(SharedPostgreSqlServer.Name)]
public sealed class PostgreSqlFaultTests(PostgreSqlServer server)
{
    private const string FilterCategory = "Maas.Hosting.Errors.MaasErrorFilter";

    [Fact]
    public async Task Ssl_mismatch_refused_password_and_unreachable_server_each_stop_start_up_with_their_own_line_and_exit_code_2()
    {
        var url = await NewDatabaseUrlAsync();
        var wrongPassword = url.Replace(Uri.EscapeDataString(server.Password), "not-the-password", StringComparison.Ordinal);
        var nobodyListens = string.Create(CultureInfo.InvariantCulture, $"postgresql://maas_admin:{Uri.EscapeDataString(server.Password)}@127.0.0.1:{FreePort.OnLoopback()}/maas");

        var runs = await Task.WhenAll(
            StartupValidationTests.RunInProcessAsync(["--storage=external", "--db-connection-url", url + "?sslmode=require"], []),
            StartupValidationTests.RunInProcessAsync(["--storage=external", "--db-connection-url", wrongPassword], []),
            StartupValidationTests.RunInProcessAsync(["--storage=external", "--db-connection-url", nobodyListens], []));

        string[] expected =
        [
            "maas-api: --storage=external: The PostgreSQL server does not offer SSL, and the database URL requires it (sslmode=require or stricter).",
            "maas-api: --storage=external: PostgreSQL refused the password (SQLSTATE 28P01): check the user and password of the database URL.",
            "maas-api: --storage=external: The PostgreSQL server cannot be reached (ConnectionRefused); retry later.",
        ];
        for (var i = 0; i < runs.Length; i++)
        {
            var (exitCode, stderr, logged) = runs[i];
            var output = logged + stderr;
            Assert.True(exitCode == 2, $"exit code {exitCode}:\n{output}");
            Assert.Equal(expected[i], Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
            Assert.DoesNotContain("   at ", output, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", output, StringComparison.Ordinal);
            Assert.DoesNotContain(server.Password, output, StringComparison.Ordinal);
            Assert.DoesNotContain(Uri.EscapeDataString(server.Password), output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Four_writers_during_a_database_stop_log_one_line_per_cause_and_one_more_ten_seconds_later()
    {
        var url = await NewDatabaseUrlAsync();
        await using var host = await StartWithLogsAsync(url);
        var logs = host.Services.GetRequiredService<FakeLogCollector>();
        using var alice = host.CreateClient("alice", "system:authenticated");
        using (var before = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"before"}""")))
        {
            Assert.Equal(HttpStatusCode.Created, before.StatusCode);
        }

        await server.StopAsync();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 4).Select(async writer =>
            {
                for (var i = 0; i < 50; i++)
                {
                    using var response = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json($$"""{"name":"w{{writer}}-{{i}}"}"""));
                    Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
                }
            }));

            // 200 answers 503: one line for each cause seen (a pooled connection the stop broke, then the refused connections).
            var lines = OutageLines(logs);
            var causes = lines.Select(Reason).ToList();
            Assert.InRange(lines.Count, 1, 3);
            Assert.Equal(causes.Distinct().Count(), lines.Count);
            Assert.Contains("The PostgreSQL server cannot be reached (ConnectionRefused); retry later.", causes);
            Assert.All(lines, l => Assert.Null(l.Exception));

            host.Clock.Advance(TimeSpan.FromSeconds(10));
            using (var again = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"again"}""")))
            {
                Assert.Equal(HttpStatusCode.ServiceUnavailable, again.StatusCode);
            }

            var after = OutageLines(logs);
            Assert.Equal(lines.Count + 1, after.Count);
            Assert.Equal("The PostgreSQL server cannot be reached (ConnectionRefused); retry later.", Reason(after[^1]));
        }
        finally
        {
            await server.StartAsync();
        }
    }

    [Fact]
    public async Task The_host_logs_none_of_npgsqls_information_chatter_while_its_listener_waits()
    {
        var url = await NewDatabaseUrlAsync();
        await using var host = await StartWithLogsAsync(url);
        using var alice = host.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"to-revoke"}"""));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("jti").GetString()!;

        // Published twice: at once by the revoking service, then back through the host's own LISTEN
        // connection, which receives only while it waits (the wait Npgsql logs at Information).
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var seen = 0;
        using var subscription = host.Services.GetRequiredService<RevocationSignal>().Subscribe(e =>
        {
            if (e.KeyId == id && Interlocked.Increment(ref seen) == 2)
            {
                received.TrySetResult();
            }
        });
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        await received.Task.WaitAsync(TimeSpan.FromSeconds(15));

        var records = host.Services.GetRequiredService<FakeLogCollector>().GetSnapshot();
        Assert.Contains(records, r => r.Level == LogLevel.Information); // the host does log at Information
        Assert.DoesNotContain(records, r => r.Category is { } category && category.StartsWith("Npgsql", StringComparison.Ordinal) && r.Level < LogLevel.Warning);
    }

    private static Task<MaasApiServer> StartWithLogsAsync(string url) =>
        MaasApiServer.StartAsync(
            ["--storage=external", "--db-connection-url", url],
            builder => builder.Logging.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false));

    private static List<FakeLogRecord> OutageLines(FakeLogCollector logs) =>
        [.. logs.GetSnapshot().Where(l => l.Category == FilterCategory && l.Id.Id == 1001)];

    private static string? Reason(FakeLogRecord record) => record.GetStructuredStateValue("Reason");

    private async Task<string> NewDatabaseUrlAsync()
    {
        var connectionString = await server.CreateDatabaseAsync();
        return server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
    }
}
