using System.Globalization;
using System.Net;
using System.Text.Json;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Tests;

/// <summary>A tier's budgets over long periods as callers meet them: the 429 naming the budget, <c>Retry-After</c> at the period's end, the headers, <c>GET /v1/usage</c>.</summary>
public sealed class BudgetTests(RedisServer redis)
{
    private const string Body = """{"model":"test/model","max_tokens":1}""";

    private static void BudgetedTier(MaasOptions options, params TierBudget[] budgets)
    {
        var limits = new TierLimits { Requests = 100, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 };
        foreach (var budget in budgets)
        {
            limits.Budgets.Add(budget);
        }

        options.Tiers.Add(new Tier { Name = "budgeted", Groups = ["system:authenticated"], Limits = limits });
    }

    [Fact]
    public async Task A_monthly_budget_refuses_with_a_429_naming_it_and_retry_after_at_the_months_end_in_the_time_zone()
    {
        await using var upstream = await RecordingUpstream.StartAsync();

        // The clock reads 2026-11-26T12:00Z, 07:00 in New York. November there began at 00:00 EDT
        // (04:00Z) and ends at 00:00 EST (05:00Z on 1 December): 30 days and the hour clocks went back.
        await using var gateway = await GatewayServer.StartAsync(
            upstream.BaseAddress,
            o => BudgetedTier(o, new TierBudget { Period = "month", Requests = 3 }, new TierBudget { Period = "day", Tokens = 1_000_000 }),
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o => o.TimeZone = "America/New_York"));

        // An API key: it lives for 30 days, so the clock can move to the month's end.
        using var client = gateway.Client(await gateway.KeyAsync());

        for (var i = 1; i <= 3; i++)
        {
            using var allowed = await client.PostAsync("/v1/chat/completions", new StringContent(Body));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            Assert.Equal(
                "\"requests\";q=100;w=120, \"requests-month\";q=3;w=2595600, \"tokens-day\";q=1000000;w=86400;qu=\"llm-tokens\"",
                allowed.Headers.GetValues("RateLimit-Policy").Single());

            // The day's token budget shows the settled count, 12 tokens a call.
            Assert.Equal(
                $"\"requests\";r={100 - i};t=120, \"requests-month\";r={3 - i};t=406800, \"tokens-day\";r={1_000_000 - (12 * i)};t=61200",
                allowed.Headers.GetValues("RateLimit").Single());
        }

        using (var refused = await client.PostAsync("/v1/chat/completions", new StringContent(Body)))
        {
            await BadInputTests.AssertOpenAiErrorAsync(refused, 429, "rate_limit_exceeded");
            Assert.Equal("406800", refused.Headers.GetValues("Retry-After").Single());
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("requests", error.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Equal(
                "Monthly request budget of tier 'budgeted' reached: 3 requests per month (used 3). Retry in 406800 s.",
                error.RootElement.GetProperty("error").GetProperty("message").GetString());
        }

        Assert.Equal(3, upstream.Requests.Count);
        using (var usage = await client.GetAsync("/v1/usage"))
        {
            Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
            using var json = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
            var budgets = json.RootElement.GetProperty("budgets");
            Assert.Equal(2, budgets.GetArrayLength());
            var month = budgets[0];
            Assert.Equal("requests-month", month.GetProperty("name").GetString());
            Assert.Equal("requests", month.GetProperty("counts").GetString());
            Assert.Equal("month", month.GetProperty("period").GetString());
            Assert.Equal(3, month.GetProperty("limit").GetInt64());
            Assert.Equal(3, month.GetProperty("used").GetInt64());
            Assert.Equal(0, month.GetProperty("remaining").GetInt64());
            Assert.Equal("2026-11-01T04:00:00Z", month.GetProperty("periodStart").GetString());
            Assert.Equal(406800, month.GetProperty("resetsInSeconds").GetInt64());
            Assert.Equal("2026-12-01T05:00:00Z", month.GetProperty("resetsAt").GetString());
            var day = budgets[1];
            Assert.Equal("tokens-day", day.GetProperty("name").GetString());
            Assert.Equal(36, day.GetProperty("used").GetInt64());
            Assert.Equal(1_000_000 - 36, day.GetProperty("remaining").GetInt64());
            Assert.Equal("2026-11-27T05:00:00Z", day.GetProperty("resetsAt").GetString());
        }

        // One tick before the month ends it still refuses; at its end the budget is whole again.
        gateway.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 5, 0, 0, TimeSpan.Zero).AddTicks(-1));
        using (var lastTick = await client.PostAsync("/v1/chat/completions", new StringContent(Body)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, lastTick.StatusCode);
            Assert.Equal("1", lastTick.Headers.GetValues("Retry-After").Single());
        }

        gateway.Clock.Advance(TimeSpan.FromTicks(1));
        using var december = await client.PostAsync("/v1/chat/completions", new StringContent(Body));
        Assert.Equal(HttpStatusCode.OK, december.StatusCode);
    }

    [Fact]
    public async Task The_budgets_policy_follows_the_periods_length_across_a_month_end_and_many_budgets_are_all_shown()
    {
        await using var upstream = await RecordingUpstream.StartAsync();

        // Twelve hourly-to-half-day periods of both kinds besides the month: a RateLimit text longer than the 512 characters written on the stack.
        var budgets = Enumerable.Range(1, 12).Select(h => new TierBudget { Period = h + "h", Tokens = 1_000_000 + h, Requests = 1_000 + h })
            .Append(new TierBudget { Period = "month", Requests = 50 })
            .ToArray();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => BudgetedTier(o, budgets));
        using var client = gateway.Client(await gateway.KeyAsync());

        // November has 30 days in UTC, December 31: the kept policy text changes with the month.
        foreach (var (month, days) in new[] { ("2026-11", 30), ("2026-12", 31), ("2026-12", 31) })
        {
            if (month == "2026-12")
            {
                gateway.Clock.SetUtcNow(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
            }

            using var allowed = await client.PostAsync("/v1/chat/completions", new StringContent(Body));
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
            var policy = allowed.Headers.GetValues("RateLimit-Policy").Single();
            var state = allowed.Headers.GetValues("RateLimit").Single();
            Assert.EndsWith($", \"requests-month\";q=50;w={days * 86400}", policy, StringComparison.Ordinal);

            // Item by item what GET /v1/usage says right after, in the same order.
            using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
            var shown = usage.RootElement.GetProperty("budgets").EnumerateArray().ToList();
            Assert.Equal(25, shown.Count);
            Assert.Equal(
                ["\"requests\";q=100;w=120", .. shown.Select(b => string.Create(CultureInfo.InvariantCulture, $"\"{b.GetProperty("name").GetString()}\";q={b.GetProperty("limit").GetInt64()};w={(long)(DateTimeOffset.Parse(b.GetProperty("resetsAt").GetString()!, CultureInfo.InvariantCulture) - DateTimeOffset.Parse(b.GetProperty("periodStart").GetString()!, CultureInfo.InvariantCulture)).TotalSeconds}{(b.GetProperty("counts").GetString() == "tokens" ? ";qu=\"llm-tokens\"" : "")}"))],
                policy.Split(", "));
            Assert.True(state.Length > 512, state);
            Assert.Equal(
                [.. shown.Select(b => string.Create(CultureInfo.InvariantCulture, $"\"{b.GetProperty("name").GetString()}\";r={b.GetProperty("remaining").GetInt64()};t={b.GetProperty("resetsInSeconds").GetInt64()}"))],
                state.Split(", ").Skip(1));
        }
    }

    [Fact]
    public async Task A_tier_without_budgets_answers_as_before_with_no_budgets_in_its_usage()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => BudgetedTier(o));
        using var client = gateway.Client(await gateway.TokenAsync());
        using var allowed = await client.PostAsync("/v1/chat/completions", new StringContent(Body));
        Assert.Equal("\"requests\";q=100;w=120", allowed.Headers.GetValues("RateLimit-Policy").Single());
        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        Assert.False(usage.RootElement.TryGetProperty("budgets", out _));
    }

    [Fact]
    public async Task Gateway_replicas_on_one_redis_refuse_at_the_same_monthly_token_total()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var prefix = "budget-test:" + Guid.NewGuid().ToString("N") + ":";
        await using var first = await StartOnRedisAsync(upstream, prefix);
        await using var second = await StartOnRedisAsync(upstream, prefix);
        using var viaFirst = first.Client(await first.TokenAsync("erin"));
        using var viaSecond = second.Client(await second.TokenAsync("erin"));

        await GatewayServer.UntilCountingAsync(viaFirst);
        await GatewayServer.UntilCountingAsync(viaSecond);

        // Each call reserves 11 tokens (a 37-byte body, max_tokens 1) and uses 12 (the upstream's
        // usage); a correction rides on its replica's next acquire, so the shared count lags the real
        // one by at most one call per replica (a token each). A budget of 100 admits the ninth call
        // (96 used, at least 94 counted) and refuses the tenth (108 used, at least 106 counted) on either replica.
        var admitted = 0;
        for (var i = 0; i < 20; i++)
        {
            using var response = await (i % 2 == 0 ? viaFirst : viaSecond).PostAsync("/v1/chat/completions", new StringContent(Body));
            if (response.StatusCode != HttpStatusCode.OK)
            {
                await BadInputTests.AssertOpenAiErrorAsync(response, 429, "rate_limit_exceeded");
                break;
            }

            admitted++;
        }

        Assert.Equal(9, admitted);
        foreach (var client in new[] { viaFirst, viaSecond })
        {
            using var refused = await client.PostAsync("/v1/chat/completions", new StringContent(Body));
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

            // 2026-11-26T12:00Z to the end of November in UTC.
            Assert.Equal("388800", refused.Headers.GetValues("Retry-After").Single());
        }

        Assert.Equal(9, upstream.Requests.Count);
    }

    [Theory]
    [InlineData("fortnight", 10, 0, "Maas:Tiers:0:Limits:Budgets:0:Period")]
    [InlineData("0s", 10, 0, "Maas:Tiers:0:Limits:Budgets:0:Period")]
    [InlineData("-24h", 10, 0, "Maas:Tiers:0:Limits:Budgets:0:Period")]
    [InlineData("9000h", 10, 0, "Maas:Tiers:0:Limits:Budgets:0:Period")]
    [InlineData("", 10, 0, "Maas:Tiers:0:Limits:Budgets:0:Period")]
    [InlineData("month", -1, 0, "Maas:Tiers:0:Limits:Budgets:0:Tokens")]
    [InlineData("month", 1125899906842625, 0, "Maas:Tiers:0:Limits:Budgets:0:Tokens")]
    [InlineData("month", 0, long.MinValue, "Maas:Tiers:0:Limits:Budgets:0:Requests")]
    [InlineData("month", 0, long.MaxValue, "Maas:Tiers:0:Limits:Budgets:0:Requests")]
    public async Task Hostile_budget_configuration_stops_start_naming_the_key(string period, long tokens, long requests, string key)
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayServer.StartAsync(new Uri("http://127.0.0.1:9"), o => BudgetedTier(o, new TierBudget { Period = period, Tokens = tokens, Requests = requests })));
        Assert.Contains(key, failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_budgets_for_one_period_and_an_unknown_time_zone_stop_start_naming_the_key()
    {
        var twice = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayServer.StartAsync(new Uri("http://127.0.0.1:9"), o => BudgetedTier(o, new TierBudget { Period = "day", Tokens = 5 }, new TierBudget { Period = "DAY", Requests = 5 })));
        Assert.Contains("Maas:Tiers:0:Limits:Budgets:1:Period", twice.Message, StringComparison.Ordinal);

        var zone = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            GatewayServer.StartAsync(new Uri("http://127.0.0.1:9"), builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o => o.TimeZone = "Mars/Olympus_Mons")));
        Assert.Contains("Maas:Gateway:Limits:TimeZone", zone.Message, StringComparison.Ordinal);
    }

    private Task<GatewayServer> StartOnRedisAsync(RecordingUpstream upstream, string prefix) =>
        GatewayServer.StartAsync(
            upstream.BaseAddress,
            o => BudgetedTier(o, new TierBudget { Period = "month", Tokens = 100 }),
            builderConfigure: b => b.Services.Configure<GatewayLimitOptions>(o =>
            {
                o.Redis = redis.Configuration;
                o.KeyPrefix = prefix;
                o.FailureMode = LimitFailureMode.Closed;
            }));
}
