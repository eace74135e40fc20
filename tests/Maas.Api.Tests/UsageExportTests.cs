using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Maas.Testing;
using OpenTelemetry.Proto.Common.V1;
using OpenTelemetry.Proto.Logs.V1;

namespace Maas.Api.Tests;

/// <summary>
/// maas-api with the gateway's usage exports on (<c>Maas:Gateway:UsageExport</c>): a real Prometheus
/// scrapes the per-user counters under Limitador's exact names, and a real OTLP receiver gets one log
/// record per settled call, with exact fields, in the call's trace, with no secret.
/// </summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class UsageExportTests
{
    private const string GatewaySecret = "usage-export-gateway-secret";
    private const string Trace = "00000000000000020123456789abcdef";
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(120);

    [Fact]
    public async Task Prometheus_scrapes_the_per_user_counters_under_Limitadors_names()
    {
        var metricsPort = FreePort.OnLoopback();
        await using var host = await MaasApiServer.StartAsync(
            ["--metrics-port", metricsPort.ToString(CultureInfo.InvariantCulture)],
            builder => builder.Configuration["Maas:Gateway:UsageExport:UserCounters"] = "true");
        using var carol = host.CreateClient("carol", "system:authenticated");
        var (key, _) = await IntrospectionRequests.CreateKeyAsync(carol, "dashboards");
        var (modelUrl, modelName) = await DataPlaneFlowTests.FirstModelAsync(host, key);
        using var withKey = host.CreateBearerClient(key);

        // The free tier admits 5 requests a window: 5 answered, 2 refused.
        long tokens = 0;
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var answer = await withKey.PostAsync($"{modelUrl}/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{modelName}}","messages":[{"role":"user","content":"hi"}]}"""));
            codes.Add(answer.StatusCode);
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
                tokens += json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
            }
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);
        Assert.True(tokens > 0);

        await using var prometheus = await PrometheusServer.StartAsync($"127.0.0.1:{metricsPort}");
        var series = $$"""{user="carol",tier="free",model="{{modelName}}"}""";
        Assert.Equal(5, await prometheus.WaitForValueAsync("authorized_calls" + series, 5, Wait));
        Assert.Equal((double)tokens, await prometheus.WaitForValueAsync("authorized_hits" + series, tokens, Wait));
        Assert.Equal(2, await prometheus.WaitForValueAsync("limited_calls" + series, 2, Wait));
        Assert.Equal((double)tokens, await prometheus.WaitForValueAsync("""sum by (user) (authorized_hits{user="carol"})""", tokens, Wait));

        using var scraper = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}") };
        var exposition = await scraper.GetStringAsync("/metrics");
        Assert.DoesNotContain("authorized_hits_total", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain("authorized_calls_total", exposition, StringComparison.Ordinal);
        Assert.DoesNotContain(key[(key.LastIndexOf('_') + 1)..], exposition, StringComparison.Ordinal);
        var (exitCode, output) = await PrometheusServer.CheckMetricsAsync(exposition);
        Assert.True(exitCode == 0 && output.Length == 0, $"promtool check metrics (exit {exitCode}):{Environment.NewLine}{output}");
    }

    [Fact]
    public async Task Each_settled_call_is_exported_over_OTLP_as_one_usage_record_in_its_trace_and_no_secret()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        await using var host = await MaasApiProcess.StartAsync([], new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.BaseAddress.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BLRP_SCHEDULE_DELAY"] = "100",
            ["OTEL_EXPORTER_OTLP_TIMEOUT"] = "60000",
            ["Maas__Gateway__SharedSecret"] = GatewaySecret,
            ["Maas__Gateway__UsageExport__LogRecords"] = "true",
        });
        using var carol = Client(host.BaseAddress);
        carol.DefaultRequestHeaders.Add("X-MaaS-Username", "carol");
        carol.DefaultRequestHeaders.Add("X-MaaS-Group", """["system:authenticated"]""");
        carol.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);
        var (key, keyId) = await IntrospectionRequests.CreateKeyAsync(carol, "exported");
        using var withKey = Client(host.BaseAddress);
        withKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        withKey.DefaultRequestHeaders.Add("traceparent", $"00-{Trace}-0123456789abcdef-01");
        using var models = JsonDocument.Parse(await withKey.GetStringAsync("/v1/models"));
        var model = models.RootElement.GetProperty("data")[0];
        var modelName = model.GetProperty("id").GetString()!;

        var expected = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            using var answer = await withKey.PostAsync($"{model.GetProperty("url").GetString()}/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{modelName}}","messages":[{"role":"user","content":"hi"}]}"""));
            if (answer.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
                var usage = json.RootElement.GetProperty("usage");
                expected.Add($"carol api_key {keyId} free {modelName} allowed 1 {usage.GetProperty("prompt_tokens").GetInt64()} {usage.GetProperty("completion_tokens").GetInt64()}");
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, answer.StatusCode);
                expected.Add($"carol api_key {keyId} free {modelName} limited 1 0 0");
            }
        }

        Assert.Equal(5, expected.Count(e => e.Contains(" allowed ", StringComparison.Ordinal)));
        await receiver.WaitUntilAsync(() => UsageRecords(receiver).Count() >= 6, Wait, "6 usage records");
        var records = UsageRecords(receiver).ToList();
        string[] fields = ["User", "CredentialKind", "KeyId", "Tier", "Model", "Outcome", "Requests", "PromptTokens", "CompletionTokens"];
        Assert.Equal(expected, records.Select(r => string.Join(' ', fields.Select(f => Value(r.Attributes.Single(a => a.Key == f).Value)))));
        Assert.All(records, r =>
        {
            Assert.Equal(Trace, Convert.ToHexStringLower(r.TraceId.Span));
            Assert.Equal(SeverityNumber.Info, r.SeverityNumber);
        });

        var keySecret = key[(key.LastIndexOf('_') + 1)..];
        var logText = receiver.Logs.SelectMany(OtlpReceiver.Strings).ToList();
        Assert.NotEmpty(logText);
        Assert.All(logText, text =>
        {
            Assert.DoesNotContain(keySecret, text, StringComparison.Ordinal);
            Assert.DoesNotContain(GatewaySecret, text, StringComparison.Ordinal);
        });
    }

    private static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { ActivityHeadersPropagator = null }) { BaseAddress = baseAddress };

    private static IEnumerable<LogRecord> UsageRecords(OtlpReceiver receiver) =>
        receiver.Logs.SelectMany(l => l.ResourceLogs).SelectMany(r => r.ScopeLogs).SelectMany(s => s.LogRecords).Where(l => l.EventName == "UsageRecorded");

    private static string Value(AnyValue value) =>
        value.ValueCase == AnyValue.ValueOneofCase.IntValue ? value.IntValue.ToString(CultureInfo.InvariantCulture) : value.StringValue;
}
