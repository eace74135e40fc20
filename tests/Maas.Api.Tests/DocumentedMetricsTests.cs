using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// README's metrics table lists every instrument of the Maas meters under the name Prometheus
/// scrapes, with every tag the instrument records. The per-user counters are on, so that they are
/// listed too; so it counts a process-wide meter, as <see cref="ProcessWideMetrics"/> says.
/// </summary>
[Collection(ProcessWideMetrics.Name)]
public sealed class DocumentedMetricsTests
{
    // MaasApiTelemetry's views: these are exported under the Go service's names.
    private static readonly Dictionary<string, string> Renamed = new(StringComparer.Ordinal)
    {
        ["maas.api_keys.created"] = "maas.api.token_mint",
        ["maas.api_key.validations"] = "maas.api.key_validation",
    };

    [Fact]
    public async Task README_lists_every_Maas_instrument_under_its_Prometheus_name_with_its_tags()
    {
        var instruments = new ConcurrentDictionary<string, Instrument>(StringComparer.Ordinal);
        var tags = new ConcurrentDictionary<(string Instrument, string Tag), bool>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name is "Maas" or "Maas.Api")
                {
                    instruments[instrument.Name] = instrument;
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, measured, _) => Record(instrument, measured));
        listener.SetMeasurementEventCallback<double>((instrument, _, measured, _) => Record(instrument, measured));
        listener.Start();

        // Traffic over the control plane and the data plane, so every instrument exists and most record.
        await using var server = await MaasApiServer.StartAsync(configure: builder => builder.Configuration["Maas:Gateway:UsageExport:UserCounters"] = "true");
        using var alice = server.CreateClient("alice", "system:authenticated");
        Assert.Equal(HttpStatusCode.Created, (await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}"))).StatusCode);
        var (key, id) = await IntrospectionRequests.CreateKeyAsync(alice);
        var (modelUrl, modelName) = await DataPlaneFlowTests.FirstModelAsync(server, key);
        using var withKey = server.CreateBearerClient(key);
        using var completion = await withKey.PostAsync($"{modelUrl}/v1/chat/completions", MaasApiServer.Json($$"""{"model":"{{modelName}}","messages":[{"role":"user","content":"hi"}]}"""));
        Assert.Equal(HttpStatusCode.OK, completion.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.DeleteAsync($"/v1/api-keys/{id}")).StatusCode);
        listener.RecordObservableInstruments();

        var readme = await File.ReadAllTextAsync(Path.Combine(HostPaths.RepositoryRoot, "README.md"));
        var rows = readme.Split('\n').Where(line => line.StartsWith("| `", StringComparison.Ordinal)).ToList();
        Assert.Contains("maas.gateway.requests", instruments.Keys);
        Assert.Contains("maas.gateway.llm_tokens", instruments.Keys);
        Assert.Contains("maas.gateway.limiter.errors", instruments.Keys);
        foreach (var instrument in instruments.Values)
        {
            var name = $"`{PrometheusName(instrument)}`";
            var row = rows.FirstOrDefault(r => r.Split('|')[1].Contains(name, StringComparison.Ordinal));
            Assert.True(row is not null, $"README's metrics table has no row for {name} (instrument {instrument.Name})");
            foreach (var tag in tags.Keys.Where(t => t.Instrument == instrument.Name).Select(t => t.Tag))
            {
                Assert.True(row.Contains($"`{tag}`", StringComparison.Ordinal), $"README's row for {name} does not name its tag `{tag}`");
            }
        }

        void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> measured)
        {
            foreach (var tag in measured)
            {
                tags[(instrument.Name, tag.Key)] = true;
            }
        }
    }

    /// <summary>The OpenTelemetry Prometheus exporter's name: dots become underscores, seconds a suffix, counters end in <c>_total</c> (gauges, such as the per-user counters under Limitador's names, do not).</summary>
    private static string PrometheusName(Instrument instrument)
    {
        var name = (Renamed.GetValueOrDefault(instrument.Name) ?? instrument.Name).Replace('.', '_');
        if (instrument.Unit == "s")
        {
            name += "_seconds";
        }

        var type = instrument.GetType();
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Counter<>) ? name + "_total" : name;
    }
}
