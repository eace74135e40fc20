using System.Net;
using Maas.Durations;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests;

/// <summary>Two gateway hosts on one real Redis: one budget per user, and a Redis outage handled as configured.</summary>
public sealed class SharedBudgetTests : IAsyncLifetime
{
    // Its own server: this test stops and restarts it.
    private readonly RedisServer _redis = new();

    public Task InitializeAsync() => _redis.InitializeAsync();

    public Task DisposeAsync() => _redis.DisposeAsync();

    [Fact]
    public async Task Two_gateways_share_the_request_budget_exactly_and_a_redis_outage_fails_closed_or_open_as_configured_then_recovers()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var closed = await StartAsync(upstream, LimitFailureMode.Closed);
        await using var open = await StartAsync(upstream, LimitFailureMode.Open);
        using var viaClosed = closed.Client(await closed.TokenAsync("erin"));
        using var viaOpen = open.Client(await open.TokenAsync("erin"));
        await UntilCountingAsync(viaClosed);

        // One call was counted while waiting for the connection; six are allowed per window in all.
        var codes = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            codes.Add(await CallAsync(i % 2 == 0 ? viaOpen : viaClosed));
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, 5), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], codes);

        await _redis.StopAsync();
        using (var refused = await viaClosed.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}""")))
        {
            await BadInputTests.AssertOpenAiErrorAsync(refused, 503, "limits_unavailable");
            Assert.True(refused.Headers.Contains("Retry-After"));
        }

        Assert.Equal(HttpStatusCode.OK, await CallAsync(viaOpen));
        using (var usage = await viaOpen.GetAsync("/v1/usage"))
        {
            // Usage cannot be read from unreachable counters, whatever the failure mode.
            await BadInputTests.AssertOpenAiErrorAsync(usage, 503, "limits_unavailable");
        }

        // Redis is back (empty: no persistence): counting resumes by itself on both hosts.
        await _redis.StartAgainAsync();
        await UntilCountingAsync(viaClosed);
        await UntilUsageReadableAsync(viaOpen);
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await CallAsync(i % 2 == 0 ? viaOpen : viaClosed));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(viaOpen));
        Assert.Equal(HttpStatusCode.TooManyRequests, await CallAsync(viaClosed));
    }

    private Task<GatewayServer> StartAsync(RecordingUpstream upstream, LimitFailureMode mode) =>
        GatewayServer.StartAsync(
            upstream.BaseAddress,
            o => o.Tiers.Add(new Tier
            {
                Name = "shared",
                Groups = ["system:authenticated"],
                Limits = new TierLimits { Requests = 6, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 },
            }),
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o =>
            {
                o.Redis = _redis.Configuration;
                o.FailureMode = mode;
            }));

    private static async Task<HttpStatusCode> CallAsync(HttpClient client)
    {
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
        return response.StatusCode;
    }

    /// <summary>
    /// Reads <c>/v1/usage</c> through the fail-open host until its counters answer: it reconnects on
    /// its own schedule, and a call it let through uncounted would spend no budget. Reading spends none.
    /// </summary>
    private static async Task UntilUsageReadableAsync(HttpClient failOpen)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var usage = await failOpen.GetAsync("/v1/usage", timeout.Token);
            if (usage.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                return;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    /// <summary>Calls through the fail-closed host until the counters answer (the connection is made in the background).</summary>
    private static async Task UntilCountingAsync(HttpClient failClosed)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (await CallAsync(failClosed) == HttpStatusCode.ServiceUnavailable)
        {
            await Task.Delay(50, timeout.Token);
        }
    }
}
