using System.Net;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary><c>/readyz</c> follows the store; <c>/healthz</c> (live) and <c>/health</c> do not.</summary>
[Collection(SharedPostgreSqlServer.Name)]
public sealed class ReadinessTests(PostgreSqlServer server)
{
    [Fact]
    public async Task Readyz_is_503_while_PostgreSQL_is_down_and_200_when_it_is_back_while_healthz_stays_200()
    {
        var connectionString = await server.CreateDatabaseAsync();
        var url = server.ConnectionUrl(new Npgsql.NpgsqlConnectionStringBuilder(connectionString).Database!);
        await using var host = await MaasApiServer.StartAsync(["--storage=external", "--db-connection-url", url]);
        using var probe = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);

        await server.StopAsync();
        try
        {
            using var notReady = await probe.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, notReady.StatusCode);
            Assert.Equal("Unhealthy", await notReady.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/health")).StatusCode);
        }
        finally
        {
            await server.StartAsync();
        }

        Assert.True(
            await Polling.PollAsync(async () => (await probe.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(30)),
            "/readyz did not turn 200 after PostgreSQL came back");
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task Readyz_and_healthz_answer_200_on_a_working_in_memory_host()
    {
        await using var host = await MaasApiServer.StartAsync();
        using var probe = host.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await probe.GetAsync("/healthz")).StatusCode);
    }
}
