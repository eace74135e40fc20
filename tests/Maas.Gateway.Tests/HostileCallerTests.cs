using System.Net;
using System.Text;
using System.Text.Json;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Gateway.Tests.Limits;
using Maas.Gateway.Tests.Requests;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests;

/// <summary>
/// Issue 20's hostile caller, in memory and on a real Redis: a max_tokens no counter can hold,
/// members sent twice or mistyped, a credential hidden behind JSON escapes; then thousands of
/// generated bodies and usages. Never a 5xx, never a negative count, and every forwarded call is
/// counted for at least what the upstream billed.
/// </summary>
public sealed class HostileCallerTests(RedisServer redis)
{
    private static readonly TierLimits Unlimited = new() { Requests = 0, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 };

    public static TheoryData<bool> Counters => new() { false, true };

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_max_tokens_no_counter_can_hold_is_400_naming_the_member_and_nothing_is_forwarded_or_counted(bool onRedis)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis, OneTier(100, 1000));
        using var client = gateway.Client(await gateway.TokenAsync("mallory"));

        for (var i = 0; i < 3; i++)
        {
            await AssertRefusedAsync(client, """{"model":"test/model","max_tokens":9223372036854775780,"max_completion_tokens":40000}""", "max_tokens", "invalid_value");
        }

        await AssertRefusedAsync(client, """{"model":"test/model","max_tokens":9223372036854775807}""", "max_tokens", "invalid_value");
        await AssertRefusedAsync(client, """{"model":"test/model","max_tokens":9223372036854775808}""", "max_tokens", "bad_request");
        await AssertRefusedAsync(client, """{"model":"test/model","max_tokens":10,"max_completion_tokens":1048577}""", "max_completion_tokens", "invalid_value");

        Assert.Empty(upstream.Calls);
        Assert.Empty(gateway.Counter.Acquired);
        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        Assert.Equal(0, usage.RootElement.GetProperty("tokens").GetProperty("used").GetInt64());
        Assert.Equal(0, usage.RootElement.GetProperty("requests").GetProperty("used").GetInt64());

        // The bound itself passes and is reserved in full; the upstream's bill replaces it.
        using var allowed = await client.PostAsync("/v1/chat/completions", Json("""{"model":"test/model","max_tokens":1048576}"""));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        var (_, estimate, decision) = Assert.Single(gateway.Counter.Acquired);
        Assert.False(decision.CountersUnavailable);
        Assert.Equal(1_048_576 + 11, estimate);
    }

    [Fact]
    public async Task A_models_own_max_tokens_bounds_its_calls_and_is_checked_at_start()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis: false, o => o.Models[0].MaxTokens = 100);
        using var client = gateway.Client(await gateway.TokenAsync());

        await AssertRefusedAsync(client, """{"model":"test/model","max_completion_tokens":101}""", "max_completion_tokens", "invalid_value");
        using var allowed = await client.PostAsync("/v1/chat/completions", Json("""{"model":"test/model","max_completion_tokens":100}"""));
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

        // A call without max_tokens reserves no more than the model allows (DefaultMaxTokens is 256).
        using var unbounded = await client.PostAsync("/v1/chat/completions", Json("""{"model":"test/model"}"""));
        Assert.Equal(HttpStatusCode.OK, unbounded.StatusCode);
        Assert.Equal(100 + 6, gateway.Counter.Acquired.Last().Estimate);

        var invalid = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            StartAsync(upstream, onRedis: false, o => o.Models[0].MaxTokens = 0));
        Assert.Contains("Maas:Models:0:MaxTokens", invalid.Message, StringComparison.Ordinal);
        var forwarding = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
            GatewayServer.StartAsync(upstream.BaseAddress, forwarding: o => o.MaxTokens = -1));
        Assert.Contains("Maas:Gateway:Forwarding:MaxTokens", forwarding.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"model":"test/model","model":"test/model"}""", "model")]
    [InlineData("""{"model":"test/model","stream":true,"stream":false}""", "stream")]
    [InlineData("""{"model":"test/model","stream":true,"stream_options":{"include_usage":true},"stream_options":{"include_usage":false}}""", "stream_options")]
    [InlineData("""{"model":"test/model","stream":true,"stream_options":{"include_usage":true,"include_usage":false}}""", "stream_options.include_usage")]
    [InlineData("""{"model":"test/model","max_tokens":1,"max_tokens":1000000}""", "max_tokens")]
    [InlineData("""{"model":"test/model","max_completion_tokens":1,"max_completion_tokens":1000000}""", "max_completion_tokens")]
    [InlineData("""{"model":"test/model","max_tokens":1,"max\u005ftokens":1000000}""", "max_tokens")]
    [InlineData("""{"model":"test/model","stream":"true"}""", "stream")]
    [InlineData("""{"model":"test/model","stream":1}""", "stream")]
    [InlineData("""{"model":"test/model","stream":true,"stream_options":{"include_usage":"true"}}""", "stream_options.include_usage")]
    [InlineData("""{"model":"test/model","stream":true,"stream_options":"include_usage"}""", "stream_options")]
    [InlineData("""{"model":"test/model","max_tokens":1.5}""", "max_tokens")]
    [InlineData("""{"model":"test/model","max_tokens":1e3}""", "max_tokens")]
    [InlineData("""{"model":"test/model","max_tokens":"100"}""", "max_tokens")]
    public async Task A_member_the_gateway_reads_sent_twice_or_mistyped_is_400_naming_it(string body, string param)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis: false);
        using var client = gateway.Client(await gateway.TokenAsync());

        await AssertRefusedAsync(client, body, param, "bad_request");

        Assert.Empty(upstream.Calls);
        Assert.Empty(gateway.Counter.Acquired);
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_stream_whose_body_repeats_other_members_is_rewritten_to_include_usage_and_counted(bool onRedis)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis);
        using var client = gateway.Client(await gateway.TokenAsync("dup"));
        upstream.NextUsage = 42;

        using var response = await client.PostAsync("/v1/chat/completions", Json("""{"model":"test/model","stream":true,"stream_options":{"include_usage":false},"messages":[],"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"usage\"", text, StringComparison.Ordinal);
        var (forwarded, _, _) = Assert.Single(upstream.Calls);
        Assert.Contains("\"include_usage\":true", forwarded, StringComparison.Ordinal);
        Assert.Equal(42, await UsedAsync(gateway, "dup", settled: 1));
    }

    [Theory]
    [InlineData(false, "user", false)]
    [InlineData(false, "user", true)]
    [InlineData(true, "user", false)]
    [InlineData(false, "name", true)]
    public async Task A_credential_behind_json_escapes_is_found_and_refused(bool token, string where, bool everyCharacter)
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis: false);
        var credential = token ? await gateway.TokenAsync() : await gateway.KeyAsync();
        using var client = gateway.Client(credential);
        var escaped = everyCharacter
            ? string.Concat(credential.Select(c => $"\\u{(int)c:x4}"))
            : $"\\u{(int)credential[0]:x4}" + credential[1..];
        var body = where == "user"
            ? $$"""{"model":"test/model","user":"{{escaped}}"}"""
            : $$$"""{"model":"test/model","metadata":{"{{{escaped}}}":1}}""";

        await AssertRefusedAsync(client, body, null, "bad_request");

        Assert.Empty(upstream.Calls);
    }

    [Fact]
    public async Task A_lone_surrogate_before_an_escaped_credential_does_not_hide_it()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis: false);
        var key = await gateway.KeyAsync();
        using var client = gateway.Client(key);

        await AssertRefusedAsync(client, $$"""{"model":"test/model","user":"\ud800\u{{(int)key[0]:x4}}{{key[1..]}}"}""", null, "bad_request");

        Assert.Empty(upstream.Calls);
    }

    /// <summary>
    /// Hundreds of generated bodies and hostile bills through real Kestrel, in memory and on Redis:
    /// never a 5xx, the upstream never sees a max_tokens beyond the bound, and the caller's window
    /// counts at least every token the upstream billed (saturated at the counters' bound).
    /// </summary>
    [Theory]
    [MemberData(nameof(Counters))]
    public async Task Generated_bodies_and_hostile_bills_never_get_a_5xx_and_every_billed_token_is_counted(bool onRedis)
    {
        const int Seed = 2020;
        var calls = onRedis ? 150 : 300;
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, onRedis, OneTier(0, 0));
        var user = "fuzz-" + onRedis;
        using var client = gateway.Client(await gateway.TokenAsync(user));
        var random = new Random(Seed);
        decimal billed = 0;
        var forwarded = 0;
        for (var i = 0; i < calls; i++)
        {
            var body = HostileBodies.Next(random, "test/model");
            upstream.NextUsage = random.Next(3) == 0 ? HostileNumbers.Next(random) : random.Next(0, 500);
            var failure = $"seed {Seed}, call {i}, body {Encoding.UTF8.GetString(body)}";
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await client.PostAsync(random.Next(2) == 0 ? "/v1/chat/completions" : "/v1/completions", content);
            await response.Content.ReadAsByteArrayAsync();
            Assert.True((int)response.StatusCode < 500, $"{(int)response.StatusCode} for {failure}");
            if (upstream.Calls.Count > forwarded)
            {
                var (_, bill, maxTokens) = upstream.Calls.Last();
                Assert.True(maxTokens is null or <= GatewayForwardingOptions.DefaultMaxTokensBound, $"forwarded max_tokens {maxTokens} for {failure}");
                forwarded++;
                billed += bill;
                var used = await UsedAsync(gateway, user, forwarded);
                Assert.True(used >= Math.Min(billed, LimitWindows.MaxCount), $"counted {used}, billed {billed} after {failure}");
            }
        }

        // The generator reaches the upstream often, and refuses often.
        Assert.InRange(forwarded, calls / 10, calls - (calls / 10));
    }

    private static Action<MaasOptions> OneTier(int requests, long tokensPerMinute) => options => options.Tiers.Add(new Tier
    {
        Name = "hostile",
        Level = 100,
        Groups = ["system:authenticated"],
        Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = tokensPerMinute },
    });

    private async Task<GatewayServer> StartAsync(BillingUpstream upstream, bool onRedis, Action<MaasOptions>? configure = null)
    {
        var prefix = "hostile:" + Guid.NewGuid().ToString("N") + ":";
        var gateway = await GatewayServer.StartAsync(
            upstream.BaseAddress,
            configure,
            builderConfigure: onRedis
                ? b => b.Services.Configure<GatewayLimitOptions>(o =>
                {
                    o.Redis = redis.Configuration;
                    o.KeyPrefix = prefix;
                    o.FailureMode = LimitFailureMode.Closed;
                })
                : null);
        if (onRedis)
        {
            // The connection is made in the background: wait until the counters answer.
            var probe = new LimitPartition("probe", "probe", null);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (true)
            {
                try
                {
                    await gateway.Counter.ReadAsync(probe, Unlimited, timeout.Token);
                    break;
                }
                catch (Maas.ApiKeys.StoreUnavailableException)
                {
                    await Task.Delay(20, timeout.Token);
                }
            }
        }

        return gateway;
    }

    /// <summary>The tokens the user's window counts once <paramref name="settled"/> calls are settled (a stream settles as its usage passes).</summary>
    private static async Task<long> UsedAsync(GatewayServer gateway, string user, int settled)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (gateway.Counter.Settled.Count < settled)
        {
            await Task.Delay(5, timeout.Token);
        }

        var tier = gateway.Counter.Acquired.Last().Partition.Tier;
        var (_, tokens) = await gateway.Counter.ReadAsync(new LimitPartition(tier, user, null), Unlimited, default);
        Assert.InRange(tokens.Used, 0, LimitWindows.MaxCount);
        return tokens.Used;
    }

    private static async Task AssertRefusedAsync(HttpClient client, string body, string? param, string code)
    {
        using var response = await client.PostAsync("/v1/chat/completions", Json(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode} for {body}: {text}");
        using var json = JsonDocument.Parse(text);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
