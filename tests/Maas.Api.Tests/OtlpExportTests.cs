using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Google.Protobuf;
using Maas.Testing;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Trace.V1;

namespace Maas.Api.Tests;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set, the <c>maas-api</c> process exports its traces,
/// metrics and logs over OTLP/HTTP to a real receiver, configured only by the standard
/// <c>OTEL_*</c> variables, and nothing it exports carries a secret.
/// </summary>
public sealed class OtlpExportTests
{
    private const string GatewaySecret = "gateway-secret-that-must-never-be-exported";
    private const string ServiceName = "maas-api-under-test";

    // OTEL_TRACES_SAMPLER=traceidratio at 0.5 samples a trace whose first 8 bytes, read as a
    // number, are below half of long.MaxValue: the caller picks the trace id, so the test knows
    // which requests are sampled (the ratio sampler ignores the parent's sampled flag).
    private const string SampledTrace = "00000000000000010123456789abcdef";
    private const string UnsampledTrace = "7000000000000000fedcba9876543210";

    // Generous: under the whole suite on two shared cores an export can wait long for CPU.
    private static readonly TimeSpan ExportWait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task The_host_exports_traces_metrics_and_logs_over_OTLP_as_the_OTEL_variables_say_and_no_secret()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var metricsPort = Maas.Testing.FreePort.OnLoopback();
        await using var host = await MaasApiProcess.StartAsync([], new Dictionary<string, string>
        {
            ["METRICS_PORT"] = metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseAddress.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_SERVICE_NAME"] = ServiceName,
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=otlp-test",
            ["OTEL_TRACES_SAMPLER"] = "traceidratio",
            ["OTEL_TRACES_SAMPLER_ARG"] = "0.5",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "100",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "1000",
            // A receiver starved of CPU must not make the exporter give up on a batch (default 10 s).
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "60000",
            ["Maas__Gateway__SharedSecret"] = GatewaySecret,
            ["Maas__Gateway__Clients__0__ClientId"] = IntrospectionRequests.ClientId,
            ["Maas__Gateway__Clients__0__SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret),
        });

        // Every path: issuance, the bearer and gateway routes, a model call through the data
        // plane, usage, introspection, health, readiness and a revocation, all in the sampled trace.
        using var alice = Traced(Client(host.BaseAddress), SampledTrace);
        alice.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        alice.DefaultRequestHeaders.Add("X-MaaS-Group", """["system:authenticated"]""");
        alice.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);
        using var tokenAnswer = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, tokenAnswer.StatusCode);
        var token = JsonDocument.Parse(await tokenAnswer.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var (key, _) = await IntrospectionRequests.CreateKeyAsync(alice, "exported");
        using var withKey = Traced(Bearer(host.BaseAddress, key), SampledTrace);
        using var withToken = Traced(Bearer(host.BaseAddress, token), SampledTrace);
        using var models = JsonDocument.Parse(await withKey.GetStringAsync("/v1/models"));
        var model = models.RootElement.GetProperty("data")[0];
        using var completion = await withKey.PostAsync(
            $"{model.GetProperty("url").GetString()}/v1/chat/completions?key={key}",
            MaasApiServer.Json($$"""{"model":"{{model.GetProperty("id").GetString()}}","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.True(completion.StatusCode == HttpStatusCode.OK, await completion.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, (await withToken.GetAsync("/v1/usage")).StatusCode);
        Assert.True((await IntrospectionRequests.IntrospectAsync(withKey, key)).GetProperty("active").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await withKey.GetAsync("/readyz")).StatusCode);
        using (var unsampled = Traced(Bearer(host.BaseAddress, key), UnsampledTrace))
        {
            Assert.Equal(HttpStatusCode.OK, (await unsampled.GetAsync("/v1/models")).StatusCode);
        }

        // A scrape, in the sampled trace too: scrapes are never traced.
        using (var scraper = Traced(Client(new Uri($"http://127.0.0.1:{metricsPort}")), SampledTrace))
        {
            Assert.Equal(HttpStatusCode.OK, (await scraper.GetAsync("/metrics")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await alice.DeleteAsync("/v1/tokens")).StatusCode);

        // Traces: the server spans and Maas's own, under the configured service. The revocation
        // came last; the batch processor exports spans in the order they end, so once its span is
        // in, so would be any span of the unsampled request before it.
        await receiver.WaitUntilAsync(() => Spans(receiver).Any(s => s.Name == "maas.revoke_all"), ExportWait, "the span maas.revoke_all");
        var spans = Spans(receiver).ToList();
        Assert.All(receiver.Traces.SelectMany(t => t.ResourceSpans), r =>
        {
            Assert.Equal(ServiceName, Attribute(r.Resource.Attributes, "service.name"));
            Assert.Equal("otlp-test", Attribute(r.Resource.Attributes, "deployment.environment.name"));
        });
        Assert.Contains(spans, s => s.Name == "POST /v1/tokens" && s.Kind == Span.Types.SpanKind.Server);
        Assert.Contains(spans, s => s.Name == "maas.issue_token");
        Assert.Contains(spans, s => s.Name == "maas.create_api_key");
        Assert.Contains(spans, s => s.Name == "store.add" && s.Kind == Span.Types.SpanKind.Client);
        Assert.Contains(spans, s => s.Name == "maas.validate" && Attribute(s.Attributes, "maas.validation.cache") is "hit" or "miss");
        Assert.Contains(spans, s => s.Name == "POST /v1/introspect");
        Assert.Contains(spans, s => s.Name.EndsWith("/v1/chat/completions", StringComparison.Ordinal) && s.Kind == Span.Types.SpanKind.Server);
        Assert.DoesNotContain(spans, s => Convert.ToHexStringLower(s.TraceId.Span) == UnsampledTrace);
        Assert.Contains(spans, s => s.Name == "POST /v1/tokens" && Attribute(s.Attributes, "http.route") == "/v1/tokens");
        Assert.DoesNotContain(spans, s => s.Name.Contains("metrics", StringComparison.Ordinal) || Attribute(s.Attributes, "url.path") == "/metrics");

        // Metrics: the Maas meters under their exported names, and ASP.NET Core's.
        string[] instruments = ["maas.api.token_mint", "maas.tokens.issued", "maas.validations", "maas.api.http.requests", "maas.gateway.requests", "http.server.request.duration"];
        await receiver.WaitUntilAsync(() => instruments.All(MetricNames(receiver).Contains), ExportWait, "the metrics " + string.Join(", ", instruments));
        var keysCreated = receiver.Metrics.SelectMany(m => m.ResourceMetrics).SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics)
            .Where(m => m.Name == "maas.api.token_mint").SelectMany(m => m.Sum.DataPoints).Last(p => Attribute(p.Attributes, "result") == "success");
        Assert.Equal(1, keysCreated.AsInt);

        // Logs: the request lines, each in the trace of its request.
        await receiver.WaitUntilAsync(() => LogRecords(receiver).Any(l => Attribute(l.Attributes, "Route") == "/v1/api-keys"), ExportWait, "the request log line of /v1/api-keys");
        Assert.Contains(LogRecords(receiver), l => Attribute(l.Attributes, "Route") == "/v1/api-keys" && Convert.ToHexStringLower(l.TraceId.Span) == SampledTrace);

        // No secret anywhere in what was exported; no user name in a span or a metric.
        var signature = token[(token.LastIndexOf('.') + 1)..];
        var keySecret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
        var traceAndMetricText = receiver.Traces.Cast<IMessage>().Concat(receiver.Metrics).SelectMany(OtlpReceiver.Strings).ToList();
        var logText = receiver.Logs.SelectMany(OtlpReceiver.Strings).ToList();
        Assert.NotEmpty(logText);
        foreach (var text in traceAndMetricText.Concat(logText))
        {
            Assert.DoesNotContain(GatewaySecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(IntrospectionRequests.ClientSecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(keySecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(signature, text, StringComparison.Ordinal);
            Assert.DoesNotContain("Bearer ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Basic ", text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(traceAndMetricText, text => text.Contains("alice", StringComparison.Ordinal));
    }

    private static HttpClient Bearer(Uri baseAddress, string credential)
    {
        var client = Client(baseAddress);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }

    /// <summary>
    /// A client that sends the test's own <c>traceparent</c> only: when another test of this process
    /// listens to HttpClient's activity, the default handler would add a second <c>traceparent</c>
    /// of a random trace, the server would start a new trace, and the sampler would drop half of them.
    /// </summary>
    private static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = baseAddress };

    /// <summary>Every request of <paramref name="client"/> continues the W3C trace <paramref name="traceId"/>.</summary>
    private static HttpClient Traced(HttpClient client, string traceId)
    {
        client.DefaultRequestHeaders.Add("traceparent", string.Create(CultureInfo.InvariantCulture, $"00-{traceId}-0123456789abcdef-01"));
        return client;
    }

    private static IEnumerable<Span> Spans(OtlpReceiver receiver) =>
        receiver.Traces.SelectMany(t => t.ResourceSpans).SelectMany(r => r.ScopeSpans).SelectMany(s => s.Spans);

    private static HashSet<string> MetricNames(OtlpReceiver receiver) =>
        [.. receiver.Metrics.SelectMany(m => m.ResourceMetrics).SelectMany(r => r.ScopeMetrics).SelectMany(s => s.Metrics).Select(m => m.Name)];

    private static IEnumerable<OpenTelemetry.Proto.Logs.V1.LogRecord> LogRecords(OtlpReceiver receiver) =>
        receiver.Logs.SelectMany(l => l.ResourceLogs).SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords);

    private static string? Attribute(IEnumerable<KeyValue> attributes, string key) =>
        attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue;
}
