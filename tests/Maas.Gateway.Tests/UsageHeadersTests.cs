using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Gateway.Tests.Limits;
using Maas.Testing;
using Maas.Tiers;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Tests;

/// <summary>
/// Usage on every non-streamed answer: the <c>x-odhu-usage-*</c> headers the Go project's test pack
/// reads, and <c>RateLimit</c> after the call was settled, agreeing with <c>GET /v1/usage</c>, on the
/// in-memory counter and on a real redis-server; an answer too large to hold passes through intact
/// without them; a stream keeps its usage in its final chunk; a hostile upstream's usage never
/// makes a 5xx; a client that leaves while its answer is held is settled as before.
/// </summary>
public sealed partial class UsageHeadersTests(RedisServer redis)
{
    private const string Input = "x-odhu-usage-input-tokens";
    private const string Output = "x-odhu-usage-output-tokens";
    private const string Total = "x-odhu-usage-total-tokens";
    private const string ChatPath = GatewayServer.ModelPath + "/v1/chat/completions";

    // The Go pack's usage-header call: no max_tokens, so the gateway reserves the prompt estimate plus 256.
    private const string SayHi = """{"model":"test/model","messages":[{"role":"user","content":"Say hi"}],"temperature":0}""";

    private const string Answer18 = """{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18}}""";

    public static TheoryData<bool> Counters => new() { false, true };

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_JSON_answer_carries_the_upstreams_usage_and_the_tokens_left_once_it_was_settled(bool onRedis)
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.Answer = ScriptedUpstream.Json(Answer18);

        // The issue's case: 100 tokens a minute, a call reserving 256 and more that uses 18.
        var limits = new TierLimits { Requests = 10, Window = GoDuration.FromMinutes(1), TokensPerMinute = 100 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis);
        using var client = await ClientAsync(gateway);

        for (var call = 1; call <= 2; call++)
        {
            using var response = await client.PostAsync(ChatPath, Json(SayHi));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Answer18, await response.Content.ReadAsStringAsync());
            Assert.Equal("7", Header(response, Input));
            Assert.Equal("11", Header(response, Output));
            Assert.Equal("18", Header(response, Total));
            Assert.True(gateway.Counter.Acquired.Last().Decision.Tokens.Remaining == 0, "the reservation alone would leave nothing");

            var left = 100 - (18 * call);
            Assert.Equal(left, TokensLeft(response));
            Assert.Equal(left.ToString(CultureInfo.InvariantCulture), Header(response, "x-ratelimit-remaining-tokens"));
            Assert.Equal((10 - call).ToString(CultureInfo.InvariantCulture), Header(response, "x-ratelimit-remaining-requests"));
            Assert.Equal(left, await UsageLeftAsync(client));
        }
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task The_Go_packs_token_budget_flow_reads_the_usage_headers_and_meets_its_429(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        const int budget = 1000, burst = 16;
        var limits = new TierLimits { Requests = burst, Window = GoDuration.FromMinutes(1), TokensPerMinute = budget };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis);
        using var client = await ClientAsync(gateway);

        var (consumed, codes, _, perCall) = await GoPackTokenBudgetFlowAsync(client, budget, burst);

        Assert.Equal(4 * (upstream.PromptTokens + perCall), consumed);
        Assert.Equal([200, 200, 200, 200, 429], codes);
    }

    public static TheoryData<string, bool, string, string> BudgetPeriods => new()
    {
        // The clock reads 2026-11-26T12:00Z: the day ends in 12 hours, November in 4.5 days (UTC).
        { "day", false, "Daily", "43200" },
        { "day", true, "Daily", "43200" },
        { "month", false, "Monthly", "388800" },
        { "month", true, "Monthly", "388800" },
    };

    [Theory]
    [MemberData(nameof(BudgetPeriods))]
    public async Task The_Go_packs_token_budget_flow_meets_a_429_naming_the_tiers_token_budget_with_retry_after_at_the_periods_end(string period, bool onRedis, string adjective, string retryAfter)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        const int budget = 1000, burst = 16;

        // The per-minute token limit is far above the budget: only the budget can refuse.
        var limits = new TierLimits { Requests = burst, Window = GoDuration.FromMinutes(1), TokensPerMinute = 100 * budget };
        limits.Budgets.Add(new TierBudget { Period = period, Tokens = budget });
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis);
        using var client = await ClientAsync(gateway);

        var (consumed, codes, refusal, perCall) = await GoPackTokenBudgetFlowAsync(client, budget, burst);

        Assert.Equal(4 * (upstream.PromptTokens + perCall), consumed);
        Assert.Equal([200, 200, 200, 200, 429], codes);
        Assert.Equal(retryAfter, refusal.RetryAfter);
        Assert.Equal(
            $"{adjective} token budget of tier 'metered' reached: 1000 LLM tokens per {period} (used {consumed}). Retry in {retryAfter} s.",
            refusal.Message);

        // The budget counted what the usage headers said, and nothing for the refused call.
        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        var counted = Assert.Single(usage.RootElement.GetProperty("budgets").EnumerateArray());
        Assert.Equal("tokens-" + period, counted.GetProperty("name").GetString());
        Assert.Equal(consumed, counted.GetProperty("used").GetInt64());
        Assert.Equal(0, counted.GetProperty("remaining").GetInt64());
    }

    /// <summary>
    /// The Go pack's <c>test_free_token_budget_enforced</c> (test/e2e/tests/test_token_ratelimit.py) step by step, against
    /// the gateway's model URL (the pack finds it in <c>/v1/models</c>, the catalog's, which the gateway
    /// does not serve): <c>calls = min(burst - 1, 5)</c> "expensive" calls of <c>max_tokens = max(64, budget / calls + 64)</c>,
    /// each counted by <c>x-odhu-usage-total-tokens</c> (else input plus output); once the count reaches the
    /// budget, one more call, which must be the 429. Where the pack skips (no usage header) or stops
    /// (a non-2xx before the budget), this fails instead. The pack's short sleeps between calls are left out: nothing here waits on real time.
    /// </summary>
    private static async Task<(long Consumed, List<int> Codes, (string? RetryAfter, string? Message) Refusal, int PerCall)> GoPackTokenBudgetFlowAsync(HttpClient client, int budget, int burst)
    {
        // test_token_ratelimit.py: a few expensive calls under the request burst, counted by their headers, then one more.
        var calls = burst > 1 ? Math.Min(burst - 1, 5) : 1;
        var perCall = Math.Max(64, (budget / calls) + 64);
        var body = $$"""{"model":"test/model","messages":[{"role":"user","content":"Repeat X 500 times."}],"max_tokens":{{perCall}},"temperature":0}""";
        long consumed = 0;
        var codes = new List<int>();
        (string?, string?) refusal = (null, null);
        for (var i = 0; i < calls; i++)
        {
            using var response = await client.PostAsync(ChatPath, Json(body));
            codes.Add((int)response.StatusCode);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains(Total) || response.Headers.Contains(Input) || response.Headers.Contains(Output), "the pack skips its token-budget test without the usage headers");
            consumed += Header(response, Total) is { } total
                ? long.Parse(total, CultureInfo.InvariantCulture)
                : long.Parse(Header(response, Input) ?? "0", CultureInfo.InvariantCulture) + long.Parse(Header(response, Output) ?? "0", CultureInfo.InvariantCulture);
            if (consumed >= budget)
            {
                using var extra = await client.PostAsync(ChatPath, Json(body));
                codes.Add((int)extra.StatusCode);
                if (extra.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    using var error = JsonDocument.Parse(await extra.Content.ReadAsStringAsync());
                    refusal = (Header(extra, "Retry-After"), error.RootElement.GetProperty("error").GetProperty("message").GetString());
                }

                break;
            }
        }

        return (consumed, codes, refusal, perCall);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task An_answer_beyond_the_bound_passes_through_intact_with_its_reservations_headers_and_without_usage_headers(bool chunked)
    {
        const int bound = 4096;
        await using var upstream = await ScriptedUpstream.StartAsync();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 10_000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false, maxHeld: bound);
        using var client = await ClientAsync(gateway);

        // An answer of exactly the bound is held; one byte more (announced or grown, in pieces of 1,000) is not.
        foreach (var size in new[] { bound, bound + 1, 20 * bound })
        {
            var answer = AnswerOf(size, total: 18);
            upstream.Answer = ScriptedUpstream.Json(answer, chunked: chunked);
            var left = await UsageLeftAsync(client);

            using var response = await client.PostAsync(ChatPath, Json(SayHi));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(Encoding.UTF8.GetBytes(answer), await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(18, gateway.Counter.Settled.Last().Actual);
            Assert.Equal(left - 18, await UsageLeftAsync(client));
            if (size <= bound)
            {
                Assert.Equal("18", Header(response, Total));
                Assert.Equal(left - 18, TokensLeft(response));
            }
            else
            {
                // The documented fallback: no x-odhu-usage-* headers, and RateLimit as the reservation left it.
                Assert.Null(Header(response, Input));
                Assert.Null(Header(response, Output));
                Assert.Null(Header(response, Total));
                Assert.Equal(gateway.Counter.Acquired.Last().Decision.Tokens.Remaining, TokensLeft(response));
                Assert.True(TokensLeft(response) < left - 18, "the reservation is larger than the usage");
            }
        }
    }

    [Fact]
    public async Task A_stream_carries_no_usage_headers_and_its_final_chunk_carries_the_usage()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        upstream.NextUsage = 18;
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 1000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false);
        using var client = await ClientAsync(gateway);

        using var response = await client.PostAsync(ChatPath, Json("""{"model":"test/model","stream":true,"stream_options":{"include_usage":true},"messages":[]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.EndsWith("""{"id":"c","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":9,"total_tokens":18}}""" + "\n\ndata: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.Null(Header(response, Input));
        Assert.Null(Header(response, Output));
        Assert.Null(Header(response, Total));

        // Its headers went before its usage was known: RateLimit counts the reservation; /v1/usage then the usage.
        Assert.Equal(gateway.Counter.Acquired.Last().Decision.Tokens.Remaining, TokensLeft(response));
        Assert.Equal(1000 - 18, await UsageLeftAsync(client));
    }

    [Fact]
    public async Task Hostile_usage_never_makes_a_5xx_and_its_headers_saturate_or_are_left_out()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 1000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false);
        const string max = "9223372036854775807";
        (string Answer, string? Input, string? Output, string? Total)[] cases =
        [
            ("""{"usage":{"prompt_tokens":1e30,"completion_tokens":5,"total_tokens":1e30}}""", max, "5", max),
            ("""{"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807}}""", max, max, max),
            ("""{"usage":{"prompt_tokens":99999999999999999999999,"completion_tokens":1,"total_tokens":-1}}""", max, "1", max),
            ("""{"usage":{"prompt_tokens":-5,"completion_tokens":-7,"total_tokens":-12}}""", "0", "0", "0"),
            ("""{"usage":{"prompt_tokens":2.5,"completion_tokens":1,"total_tokens":3.5}}""", "3", "1", "4"),
            ("""{"usage":{"prompt_tokens":"12","completion_tokens":null,"total_tokens":[12]}}""", "0", "0", "0"),
            ("""{"id":"no usage"}""", null, null, null),
            ("""{"usage":null}""", null, null, null),
            ("""{"usage":"lots"}""", null, null, null),
            ("""[{"usage":{"total_tokens":5}}]""", null, null, null),
            ("not JSON at all", null, null, null),
            ("", null, null, null),
        ];

        var user = 0;
        foreach (var (answer, input, output, total) in cases)
        {
            upstream.Answer = ScriptedUpstream.Json(answer);
            using var client = gateway.Client(await gateway.TokenAsync("hostile-" + user++));

            using var response = await client.PostAsync(ChatPath, Json(SayHi));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(answer, await response.Content.ReadAsStringAsync());
            Assert.Equal(input, Header(response, Input));
            Assert.Equal(output, Header(response, Output));
            Assert.Equal(total, Header(response, Total));

            // Settled before the headers went, saturating: what is left agrees with /v1/usage, within the limit.
            var left = TokensLeft(response);
            Assert.Equal(await UsageLeftAsync(client), left);
            Assert.InRange(left, 0, 1000);
            if (total is null)
            {
                Assert.Equal(1000 - gateway.Counter.Acquired.Last().Decision.Reservation!.Reserved, left);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_saturated_token_count_stays_saturated_in_the_headers_as_in_the_counters(bool onRedis)
    {
        // A tier above the counters' ceiling (2^50), so that calls go on once a hostile upstream saturated the count.
        await using var upstream = await ScriptedUpstream.StartAsync();
        const long limit = 1L << 52;
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = limit };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis);
        using var client = await ClientAsync(gateway);

        foreach (var answer in new[] { """{"usage":{"prompt_tokens":1e30,"completion_tokens":1,"total_tokens":1e30}}""", Answer18 })
        {
            upstream.Answer = ScriptedUpstream.Json(answer);
            using var response = await client.PostAsync(ChatPath, Json(SayHi));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(limit - LimitWindows.MaxCount, TokensLeft(response));
            Assert.Equal(limit - LimitWindows.MaxCount, await UsageLeftAsync(client));
        }
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_failed_answer_carries_the_usage_it_showed_and_the_tokens_it_gave_back(bool onRedis)
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 1000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis);
        using var client = await ClientAsync(gateway);

        // A 500 that billed its prompt: what it showed is counted and said.
        upstream.Answer = ScriptedUpstream.Json("""{"error":{"message":"engine died"},"usage":{"prompt_tokens":18,"completion_tokens":0,"total_tokens":18}}""", status: 500);
        using (var failed = await client.PostAsync(ChatPath, Json(SayHi)))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
            Assert.Equal("18", Header(failed, Input));
            Assert.Equal("0", Header(failed, Output));
            Assert.Equal("18", Header(failed, Total));
            Assert.Equal(1000 - 18, TokensLeft(failed));
            Assert.Equal(1000 - 18, await UsageLeftAsync(client));
        }

        // A 404 without usage costs nothing: the reservation is given back before the headers go.
        upstream.Answer = ScriptedUpstream.Json("""{"error":{"message":"no such model"}}""", status: 404);
        using var missing = await client.PostAsync(ChatPath, Json(SayHi));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Null(Header(missing, Total));
        Assert.Equal(1000 - 18, TokensLeft(missing));
        Assert.Equal(1000 - 18, await UsageLeftAsync(client));
    }

    [Fact]
    public async Task A_client_that_leaves_while_its_answer_is_held_is_settled_as_before()
    {
        const bool usageFirst = false;
        await using var upstream = await ScriptedUpstream.StartAsync();
        var sent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var head = usageFirst
            ? """{"usage":{"prompt_tokens":7,"completion_tokens":11,"total_tokens":18},"choices":[{"index":0,"message":{"content":" tok"""
            : """{"id":"c","choices":[{"index":0,"message":{"content":" tok""";
        upstream.Answer = async context =>
        {
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(head, context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            sent.TrySetResult();
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 10_000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false);
        using var client = await ClientAsync(gateway);
        gateway.Counter.SettledSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Held: the client sees nothing of the answer, gives up and leaves.
        using var leaving = new CancellationTokenSource();
        var call = client.PostAsync(ChatPath, Json(SayHi), leaving.Token);
        await sent.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.False(call.IsCompleted);
        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await gateway.Counter.SettledSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));

        // As an answer passed through: no usage seen, the reservation (a usage seen before is
        // UsageMeteringStreamTests' case: here the gateway may not have read it when the client leaves).
        var (reservation, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(reservation.Reserved, actual);
    }

    [Fact]
    public async Task An_upstream_silent_in_the_middle_of_a_held_answer_gets_the_client_a_502_not_a_cut_answer()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.Answer = async context =>
        {
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = 1000;
            await context.Response.WriteAsync("""{"id":"c","choices":[{"index":0,"message":{"content":" tok""", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Task.Delay(Timeout.Infinite, context.RequestAborted);
        };
        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 10_000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false, timeout: TimeSpan.FromSeconds(1));
        using var client = await ClientAsync(gateway);

        using var response = await client.PostAsync(ChatPath, Json(SayHi));

        await BadInputTests.AssertOpenAiErrorAsync(response, 502, "upstream_unavailable");
        Assert.Null(Header(response, Total));
        // Charged as a 2xx answer cut before its usage was: its reservation.
        var (reservation, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(reservation.Reserved, actual);
    }

    [Fact]
    public async Task Holding_is_bounded_by_configuration_and_0_turns_it_off()
    {
        await using var upstream = await ScriptedUpstream.StartAsync();
        upstream.Answer = ScriptedUpstream.Json(Answer18);
        foreach (var bad in new[] { -1, (4 * 1024 * 1024) + 1 })
        {
            var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() =>
                GatewayServer.StartAsync(upstream.BaseAddress, forwarding: o => o.MaxHeldAnswerBytes = bad));
            Assert.Contains("Maas:Gateway:Forwarding:MaxHeldAnswerBytes", error.Message, StringComparison.Ordinal);
        }

        var limits = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 1000 };
        await using var gateway = await StartAsync(upstream.BaseAddress, limits, onRedis: false, maxHeld: 0);
        using var client = await ClientAsync(gateway);
        using var response = await client.PostAsync(ChatPath, Json(SayHi));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Answer18, await response.Content.ReadAsStringAsync());
        Assert.Null(Header(response, Total));
        Assert.Equal(gateway.Counter.Acquired.Last().Decision.Tokens.Remaining, TokensLeft(response));
        Assert.Equal(1000 - 18, await UsageLeftAsync(client));
    }

    /// <summary>A chat completion of exactly <paramref name="bytes"/> bytes whose usage totals <paramref name="total"/>, at its end as OpenAI writes it.</summary>
    private static string AnswerOf(int bytes, int total)
    {
        var shell = """{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":""},"finish_reason":"length"}],"usage":{"prompt_tokens":7,"completion_tokens":""" + (total - 7).ToString(CultureInfo.InvariantCulture) + ",\"total_tokens\":" + total.ToString(CultureInfo.InvariantCulture) + "}}";
        var answer = shell.Replace("\"content\":\"\"", "\"content\":\"" + new string('x', bytes - shell.Length) + "\"", StringComparison.Ordinal);
        Assert.Equal(bytes, Encoding.UTF8.GetByteCount(answer));
        return answer;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? Assert.Single(values) : null;

    /// <summary>The <c>r</c> of the <c>"tokens"</c> item of the <c>RateLimit</c> header.</summary>
    private static long TokensLeft(HttpResponseMessage response)
    {
        var match = TokensItem().Match(Header(response, "RateLimit") ?? "");
        Assert.True(match.Success, $"no tokens item in RateLimit: {Header(response, "RateLimit")}");
        return long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
    }

    /// <summary>What <c>GET /v1/usage</c> says is left of the caller's tokens.</summary>
    private static async Task<long> UsageLeftAsync(HttpClient client)
    {
        using var usage = await client.GetAsync("/v1/usage");
        Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
        using var json = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("tokens").GetProperty("remaining").GetInt64();
    }

    private Task<GatewayServer> StartAsync(Uri upstream, TierLimits limits, bool onRedis, int? maxHeld = null, TimeSpan? timeout = null) =>
        GatewayServer.StartAsync(
            upstream,
            o => o.Tiers.Add(new Tier { Name = "metered", Groups = ["system:authenticated"], Limits = limits }),
            forwarding: f =>
            {
                f.MaxHeldAnswerBytes = maxHeld ?? f.MaxHeldAnswerBytes;
                f.UpstreamTimeout = timeout ?? f.UpstreamTimeout;
            },
            builderConfigure: onRedis ? GatewayServer.CountingOnRedis(redis, "usage-headers:") : null);

    /// <summary>A client of a fresh user; on Redis, once the counters answer (the connection is made in the background).</summary>
    private static Task<HttpClient> ClientAsync(GatewayServer gateway) => gateway.CountingClientAsync("reader");

    [GeneratedRegex("\"tokens\";r=([0-9]+);")]
    private static partial Regex TokensItem();
}
