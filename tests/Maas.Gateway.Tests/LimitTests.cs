using System.Net;
using System.Text.Json;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests;

/// <summary>The tier's request and LLM-token limits as callers meet them: 429 in OpenAI's shape, the IETF headers, the window's end.</summary>
public sealed class LimitTests
{
    private static void OneTier(MaasOptions options, int requests, long tokensPerMinute) =>
        options.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = tokensPerMinute },
        });

    [Fact]
    public async Task The_request_limit_refuses_the_call_after_the_last_allowed_one_until_the_window_ends()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 3, tokensPerMinute: 0));
        using var client = gateway.Client(await gateway.TokenAsync());

        for (var i = 1; i <= 3; i++)
        {
            using var allowed = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal("\"requests\";q=3;w=120", allowed.Headers.GetValues("RateLimit-Policy").Single());
            Assert.Equal($"\"requests\";r={3 - i};t=120", allowed.Headers.GetValues("RateLimit").Single());
        }

        using (var refused = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}""")))
        {
            await BadInputTests.AssertOpenAiErrorAsync(refused, 429, "rate_limit_exceeded");
            Assert.Equal("120", refused.Headers.GetValues("Retry-After").Single());
            Assert.Equal("\"requests\";r=0;t=120", refused.Headers.GetValues("RateLimit").Single());
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("requests", error.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("Request limit", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(3, upstream.Requests.Count);
        gateway.Clock.Advance(TimeSpan.FromMinutes(2) - TimeSpan.FromTicks(1));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""))).StatusCode);
        gateway.Clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(HttpStatusCode.OK, (await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""))).StatusCode);
    }

    [Fact]
    public async Task Parallel_calls_overshoot_the_token_limit_by_at_most_one_reservation_and_pass_again_a_window_later()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 0, tokensPerMinute: 100));
        using var client = gateway.Client(await gateway.TokenAsync());
        const string body = """{"model":"test/model","max_tokens":30,"messages":[{"role":"user","content":"hi"}]}""";

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => client.PostAsync("/v1/chat/completions", new StringContent(body))));

        var allowed = responses.Count(r => r.StatusCode == HttpStatusCode.OK);
        var refused = responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests).ToArray();
        Assert.Equal(20, allowed + refused.Length);
        Assert.NotEmpty(refused);
        foreach (var response in refused)
        {
            using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("tokens", error.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("Token limit", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Contains("\"tokens\";q=100;w=60", response.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        }

        // Every decision saw at most the limit plus the one reservation that crossed it.
        var reservation = gateway.Counter.Acquired.Max(a => a.Estimate);
        Assert.All(gateway.Counter.Acquired, a => Assert.True(a.Decision.Tokens.Used <= 100 + reservation, $"used {a.Decision.Tokens.Used}"));
        Assert.Equal(allowed, gateway.Counter.Settled.Count);
        var limits = gateway.Counter.Acquired.First().Partition;
        var (_, tokens) = await gateway.Counter.ReadAsync(limits, new TierLimits { TokensPerMinute = 100, Window = GoDuration.FromMinutes(2) }, CancellationToken.None);
        Assert.Equal(12 * allowed, tokens.Used);
        Assert.True(tokens.Used <= 100 + reservation);
        Assert.Equal(allowed, upstream.Requests.Count);

        gateway.Clock.Advance(TimeSpan.FromMinutes(1));
        using var later = await client.PostAsync("/v1/chat/completions", new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        foreach (var response in responses)
        {
            response.Dispose();
        }
    }

    [Fact]
    public async Task Allowed_answers_carry_both_policies_and_usage_reports_the_windows()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 5, tokensPerMinute: 1000));
        var key = await gateway.KeyAsync("carol");
        using var client = gateway.Client(key);

        using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":10}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"requests\";q=5;w=120, \"tokens\";q=1000;w=60;qu=\"llm-tokens\"", response.Headers.GetValues("RateLimit-Policy").Single());
        Assert.StartsWith("\"requests\";r=4;t=120, \"tokens\";r=", response.Headers.GetValues("RateLimit").Single(), StringComparison.Ordinal);
        gateway.Clock.Advance(TimeSpan.FromSeconds(15));

        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        var root = usage.RootElement;
        Assert.Equal("carol", root.GetProperty("user").GetString());
        Assert.Equal("small", root.GetProperty("tier").GetString());
        var requests = root.GetProperty("requests");
        Assert.Equal(5, requests.GetProperty("limit").GetInt64());
        Assert.Equal(1, requests.GetProperty("used").GetInt64());
        Assert.Equal(4, requests.GetProperty("remaining").GetInt64());
        Assert.Equal(120, requests.GetProperty("windowSeconds").GetInt64());
        Assert.Equal(105, requests.GetProperty("resetsInSeconds").GetInt64());
        Assert.Equal("2026-11-26T12:02:00Z", requests.GetProperty("resetsAt").GetString());
        var tokens = root.GetProperty("tokens");
        Assert.Equal(1000, tokens.GetProperty("limit").GetInt64());
        Assert.Equal(12, tokens.GetProperty("used").GetInt64());
        Assert.Equal(60, tokens.GetProperty("windowSeconds").GetInt64());

        using var anonymous = gateway.Client();
        await BadInputTests.AssertOpenAiErrorAsync(await anonymous.GetAsync("/v1/usage"), 401, "invalid_api_key");
    }

    [Fact]
    public async Task With_per_model_limits_usage_names_the_model_and_reports_that_models_budget()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(
            upstream.BaseAddress,
            o => OneTier(o, requests: 5, tokensPerMinute: 1000),
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o => o.PerModel = true));
        var key = await gateway.KeyAsync("dave");
        using var client = gateway.Client(key);
        using var call = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":10}"""));
        Assert.Equal(HttpStatusCode.OK, call.StatusCode);

        await BadInputTests.AssertOpenAiErrorAsync(await client.GetAsync("/v1/usage"), 400, "bad_request");
        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage?model=test/model"));
        Assert.Equal("test/model", usage.RootElement.GetProperty("model").GetString());
        Assert.Equal(1, usage.RootElement.GetProperty("requests").GetProperty("used").GetInt64());
        using var other = JsonDocument.Parse(await client.GetStringAsync("/v1/usage?model=another/model"));
        Assert.Equal(0, other.RootElement.GetProperty("requests").GetProperty("used").GetInt64());

        // A host's own page reads the same numbers for a caller signed in without a Maas credential.
        var reader = gateway.Services.GetRequiredService<Usage.UsageReader>();
        var dave = new Users.MaasUser("dave", ["system:authenticated"]);
        var tier = gateway.Tiers.GetTier(dave);
        Assert.True(reader.PerModel);
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadAsync(dave, tier, null).AsTask());
        var report = await reader.ReadAsync(dave, tier, "test/model");
        Assert.Equal(("dave", "small", "test/model"), (report.User, report.Tier, report.Model));
        Assert.Equal((5L, 1L, 4L), (report.Requests.Limit, report.Requests.Used, report.Requests.Remaining));
        Assert.Equal(usage.RootElement.GetProperty("tokens").GetProperty("used").GetInt64(), report.Tokens.Used);
        Assert.Equal(gateway.Clock.GetUtcNow() + report.Requests.ResetsIn, report.Requests.ResetsAt);
    }
}
