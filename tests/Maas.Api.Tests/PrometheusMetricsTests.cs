using System.Globalization;
using System.Net;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// A real Prometheus scrapes maas-api's own metrics port after traffic and answers PromQL with the
/// counts the traffic made, under the Go service's names where the meaning is the same.
/// </summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class PrometheusMetricsTests
{
    private static readonly TimeSpan ScrapeWait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Prometheus_scrapes_the_metrics_port_and_PromQL_returns_the_traffic()
    {
        var metricsPort = FreePort.OnLoopback();
        await using var host = await MaasApiServer.StartAsync(["--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)]);
        using var alice = host.CreateClient("alice", "system:authenticated");

        for (var i = 0; i < 2; i++)
        {
            using var token = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
            Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        }

        var (key, id) = await IntrospectionRequests.CreateKeyAsync(alice, "one");
        _ = await IntrospectionRequests.CreateKeyAsync(alice, "two");
        _ = await IntrospectionRequests.CreateKeyAsync(alice, "three");
        using var badName = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":""}"""));
        Assert.Equal(HttpStatusCode.BadRequest, badName.StatusCode);
        using (var withKey = host.CreateBearerClient(key))
        {
            Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/models")).StatusCode);
        }

        using (var withMalformedKey = host.CreateBearerClient("sk-maas-" + new string('A', 60)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await withMalformedKey.GetAsync("/v1/models")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);

        // Metrics are on their own port only: the API port has no /metrics, the metrics port no API.
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.GetAsync("/v1/models")).StatusCode);

        await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{metricsPort}");
        Assert.Equal(3, await prometheus.WaitForValueAsync("""sum(maas_api_http_requests_total{method="POST",route="/v1/api-keys",status="201"})""", 3, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_api_http_requests_total{method="POST",route="/v1/api-keys",status="400"})""", 1, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_api_http_requests_total{method="DELETE",route="/v1/api-keys/{id}",status="200"})""", 1, ScrapeWait));
        Assert.Equal(3, await prometheus.WaitForValueAsync("""sum(maas_api_http_request_duration_seconds_count{route="/v1/api-keys",status="201"})""", 3, ScrapeWait));
        Assert.Equal(3, await prometheus.WaitForValueAsync("""sum(maas_api_token_mint_total{result="success"})""", 3, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_api_token_mint_total{result="invalid_request"})""", 1, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_api_key_validation_total{result="valid"})""", 1, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_api_key_validation_total{result="malformed"})""", 1, ScrapeWait));
        Assert.Equal(2, await prometheus.WaitForValueAsync("""sum(maas_tokens_issued_total{result="success"})""", 2, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""sum(maas_revocations_total{scope="key"})""", 1, ScrapeWait));
        Assert.Equal(3, await prometheus.WaitForValueAsync("""sum(maas_store_duration_seconds_count{operation="add",result="ok"})""", 3, ScrapeWait));
        Assert.Equal(2, await prometheus.WaitForValueAsync("""sum(http_server_request_duration_seconds_count{http_route="/v1/tokens"})""", 2, ScrapeWait));
        Assert.Equal(1, await prometheus.WaitForValueAsync("""up{job="maas-api"}""", 1, ScrapeWait));

        var exposition = await scraper.GetStringAsync("/metrics");
        var (exitCode, output) = await PrometheusServer.CheckMetricsAsync(exposition);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics (exit {exitCode}):{Environment.NewLine}{output}");
        Assert.DoesNotContain("alice", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-maas-", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain(key[8..], exposition, StringComparison.Ordinal);
    }
}

/// <summary>
/// Tests that count a process-wide meter: OpenTelemetry listens to every <c>Maas</c> meter in the
/// process, so these run alone, after the parallel tests, to count only their own traffic.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideMetrics
{
    public const string Name = "Process-wide metrics";
}
