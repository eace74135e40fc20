using System.Diagnostics.Metrics;
using System.Net;
using Maas.Durations;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Maas.Gateway.Tests;

/// <summary>The gateway's instruments on the <c>Maas</c> meter: outcomes and LLM tokens by tier and model, never a user or credential.</summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task Calls_are_counted_by_tier_model_and_outcome_and_tokens_by_kind()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = 1, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 },
        }));
        var meters = gateway.Services.GetRequiredService<IMeterFactory>();
        using var requests = new MetricCollector<long>(meters, "Maas", "maas.gateway.requests");
        using var tokens = new MetricCollector<long>(meters, "Maas", "maas.gateway.llm_tokens");
        var token = await gateway.TokenAsync("dave");
        using var client = gateway.Client(token);
        using var anonymous = gateway.Client();

        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"made/up-by-caller"}"""))).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""))).StatusCode);

        var seen = requests.GetMeasurementSnapshot()
            .Select(m => $"{m.Tags["tier"]}/{m.Tags["model"]}/{m.Tags["outcome"]}")
            .Order(StringComparer.Ordinal)
            .ToArray();
        Assert.Equal(["none/unknown/denied", "small/test/model/allowed", "small/test/model/limited", "small/unknown/denied"], seen);
        Assert.Equal(5, tokens.GetMeasurementSnapshot().Single(m => (string?)m.Tags["kind"] == "prompt").Value);
        Assert.Equal(7, tokens.GetMeasurementSnapshot().Single(m => (string?)m.Tags["kind"] == "completion").Value);
        foreach (var measurement in requests.GetMeasurementSnapshot().Concat(tokens.GetMeasurementSnapshot()))
        {
            Assert.All(measurement.Tags.Keys, k => Assert.Contains(k, (string[])["tier", "model", "outcome", "kind"]));
            Assert.DoesNotContain(measurement.Tags.Values, v => v is string s && (s.Contains("dave", StringComparison.Ordinal) || s.Contains(token, StringComparison.Ordinal)));
        }
    }
}
