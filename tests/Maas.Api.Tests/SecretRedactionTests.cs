using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// Tokens, keys, Authorization headers, the gateway secret and introspection client secrets never
/// appear in a log line or on the metrics port, whatever path they were sent to (the OTLP export
/// is scanned by <see cref="OtlpExportTests"/>).
/// </summary>
public sealed class SecretRedactionTests
{
    private const string GatewaySecret = "gateway-secret-that-must-never-be-logged";

    [Fact]
    public async Task No_secret_appears_in_any_log_line_at_trace_level_or_on_the_metrics_port()
    {
        using var sink = new FakeLoggerProvider();
        var metricsPort = FreePort.OnLoopback();
        await using var server = await MaasApiServer.StartAsync(["--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)], configure: builder =>
        {
            builder.Logging.SetMinimumLevel(LogLevel.Trace);
            builder.Logging.AddProvider(sink);
            builder.Configuration["Maas:Gateway:SharedSecret"] = GatewaySecret;
            builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = IntrospectionRequests.ClientId;
            builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret);
        });
        using var gateway = server.CreateClient("alice", "system:authenticated");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);

        var token = JsonDocument.Parse(await (await gateway.PostAsync("/v1/tokens", MaasApiServer.Json("{}"))).Content.ReadAsStringAsync())
            .RootElement.GetProperty("token").GetString()!;
        var key = JsonDocument.Parse(await (await gateway.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"k"}"""))).Content.ReadAsStringAsync())
            .RootElement.GetProperty("token").GetString()!;
        using var withToken = server.CreateBearerClient(token);
        using var withKey = server.CreateBearerClient(key);
        using var withBadKey = server.CreateBearerClient(key[..^3] + "zzz");
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/models")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/v1/api-keys")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withBadKey.GetAsync("/v1/models")).StatusCode);

        // The data plane: model calls (plain, streaming, refused, with the credential repeated in a
        // header and the query), the usage endpoint, and an upstream that is down.
        var (modelUrl, modelName) = await DataPlaneFlowTests.FirstModelAsync(server, key);
        withKey.DefaultRequestHeaders.Add("api-key", key);
        using var plain = await withKey.PostAsync($"{modelUrl}/v1/chat/completions?key={key}", MaasApiServer.Json($$"""{"model":"{{modelName}}","prompt":"hi"}"""));
        Assert.True(plain.StatusCode == HttpStatusCode.OK, await plain.Content.ReadAsStringAsync());
        using var streamed = await withToken.PostAsync("/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{modelName}}","stream":true,"messages":[{"role":"user","content":"hi"}]}"""));
        Assert.True(streamed.StatusCode == HttpStatusCode.OK, await streamed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.BadRequest, (await withKey.PostAsync("/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{modelName}}","prompt":"{{key}}"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withBadKey.PostAsync($"{modelUrl}/v1/chat/completions", MaasApiServer.Json("{}"))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/usage")).StatusCode);

        // Introspection (a key, a token, a wrong client secret), liveness and readiness with a
        // credential attached.
        using var anonymous = server.CreateClient();
        Assert.True((await IntrospectionRequests.IntrospectAsync(anonymous, key)).GetProperty("active").GetBoolean());
        Assert.True((await IntrospectionRequests.IntrospectAsync(anonymous, token)).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.Unauthorized, (await IntrospectionRequests.PostAsync(anonymous, key, IntrospectionRequests.Basic(IntrospectionRequests.ClientId, GatewaySecret))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/readyz")).StatusCode);

        server.Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(HttpStatusCode.NoContent, (await gateway.DeleteAsync("/v1/tokens")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await withToken.GetAsync("/v1/models")).StatusCode);
        Assert.False((await IntrospectionRequests.IntrospectAsync(anonymous, token)).GetProperty("active").GetBoolean());
        using var forged = server.CreateClient("mallory", "admin-group");
        forged.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret + "-guess");
        Assert.Equal(HttpStatusCode.Unauthorized, (await forged.PostAsync("/v1/tokens", MaasApiServer.Json("{}"))).StatusCode);

        // The metrics port, with the credential attached to the scrape too.
        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        scraper.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        var exposition = await scraper.GetStringAsync("/metrics");
        Assert.Contains("maas_api_http_requests_total", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain("alice", exposition, StringComparison.Ordinal);

        var lines = sink.Collector.GetSnapshot().Select(r => $"{r.Category}: {r.Message} {r.Exception}").ToList();
        Assert.NotEmpty(lines);
        var secret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
        var signature = token[(token.LastIndexOf('.') + 1)..];
        foreach (var line in lines.Append(exposition))
        {
            Assert.DoesNotContain(GatewaySecret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(IntrospectionRequests.ClientSecret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            Assert.DoesNotContain(signature, line, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer sk-", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer ey", line, StringComparison.Ordinal);
        }
    }
}
