using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Maas.Gateway.Tests;

/// <summary>
/// What <c>AddMaasGatewayInstrumentation()</c> exports of HttpClient's meter: the model calls' durations,
/// not the two in-flight gauges that change on every call, which are not even measured.
/// </summary>
public sealed class HttpClientMetricsExportTests
{
    [Fact]
    public async Task Model_call_durations_are_exported_and_the_per_call_in_flight_gauges_are_not_measured()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var meterFactory = services.GetRequiredService<IMeterFactory>();

        // HttpClient's instruments on a meter of this test's own factory, so no other test's calls reach them.
        var instruments = new ConcurrentDictionary<string, Instrument>();
        using var publications = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, meterFactory))
                {
                    instruments[instrument.Name] = instrument;
                }
            },
        };
        publications.Start();

        var exporter = new MetricNames();
        using var provider = Sdk.CreateMeterProviderBuilder()
            .AddMaasGatewayInstrumentation()
            .AddReader(new BaseExportingMetricReader(exporter))
            .Build();
        using var client = new HttpClient(new SocketsHttpHandler { MeterFactory = meterFactory }) { BaseAddress = upstream.BaseAddress };

        using (var answer = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        Assert.True(provider.ForceFlush());
        Assert.Contains("http.client.request.duration", exporter.Names);
        Assert.True(instruments["http.client.request.duration"].Enabled);
        foreach (var dropped in new[] { "http.client.active_requests", "http.client.open_connections" })
        {
            Assert.DoesNotContain(dropped, exporter.Names);
            Assert.False(instruments[dropped].Enabled, $"{dropped} is measured on every call though nothing exports it");
        }
    }

    /// <summary>The names of the metrics an export carried.</summary>
    private sealed class MetricNames : BaseExporter<Metric>
    {
        public ConcurrentBag<string> Names { get; } = [];

        public override ExportResult Export(in Batch<Metric> batch)
        {
            foreach (var metric in batch)
            {
                Names.Add(metric.Name);
            }

            return ExportResult.Success;
        }
    }
}
