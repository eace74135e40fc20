using System.Net;
using System.Text;
using Maas.Durations;
using Maas.Gateway.Limits;
using Maas.Gateway.Tests.Limits;
using Maas.Testing;
using Maas.Tiers;

namespace Maas.Gateway.Tests;

/// <summary>
/// Every token an upstream billing as vLLM serves is counted, on the in-memory counter and on a
/// real redis-server, whatever the caller asks for: running usage in every chunk, a stream left
/// before its usage, an upstream gone silent mid-stream; and a failed answer costs no tokens.
/// </summary>
public sealed class ServedTokensTests(RedisServer redis)
{
    private static readonly TierLimits Roomy = new() { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 1_000_000 };

    // No max_tokens: the gateway reserves the prompt estimate plus DefaultMaxTokens (256), the upstream generates 2,048.
    private const string Unbounded = """{"model":"test/model","stream":true,"messages":[{"role":"user","content":"Write as much as you can."}]}""";

    public static TheoryData<bool> Counters => new() { false, true };

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task Streams_with_running_usage_in_every_chunk_are_counted_as_served_not_as_their_first_chunk(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Roomy, onRedis);
        using var client = await ClientAsync(gateway);

        // As the hostile caller did: two streams of 2,000 completion tokens with continuous usage stats.
        for (var i = 0; i < 2; i++)
        {
            var text = await PostAsync(client, """{"model":"test/model","stream":true,"max_tokens":2000,"stream_options":{"include_usage":true,"continuous_usage_stats":true},"messages":[]}""");
            Assert.Contains("\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"total_tokens\":2012", text, StringComparison.Ordinal);
        }

        // A client that did not ask for usage still does not see the usage chunk, and is counted the same.
        var plain = await PostAsync(client, """{"model":"test/model","stream":true,"max_tokens":2000,"messages":[]}""");
        Assert.DoesNotContain("total_tokens", plain, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", plain, StringComparison.Ordinal);

        Assert.Equal(3 * 2012, upstream.ServedTokens);
        Assert.Equal(upstream.ServedTokens, await CountedAsync(gateway, Roomy));
        Assert.All(gateway.Counter.Settled, s => Assert.Equal(2012, s.Actual));
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public async Task A_client_that_leaves_before_the_final_usage_chunk_is_charged_at_least_what_it_was_streamed(bool onRedis, bool continuousUsage)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        await using var gateway = await StartAsync(upstream, Roomy, onRedis);
        using var client = await ClientAsync(gateway);
        upstream.Resume = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = continuousUsage ? "\"include_usage\":true,\"continuous_usage_stats\":true" : "\"include_usage\":true";
        if (continuousUsage)
        {
            // A prompt far above the body's length / 4 (an image it links to): only the running usage shows it.
            upstream.PromptTokens = 600;
        }

        // All 2,048 tokens, then the client leaves; then one that leaves after 300.
        foreach (var stopAfter in new[] { VllmLikeUpstream.UnboundedCompletionTokens, 300 })
        {
            upstream.StopAfterChunks = stopAfter;
            upstream.ResetStopped();
            await LeaveAfterAsync(gateway, client, Unbounded.Replace("\"stream\":true", "\"stream\":true,\"stream_options\":{" + options + "}", StringComparison.Ordinal), stopAfter);
        }

        var served = upstream.ServedTokens;
        Assert.Equal(upstream.PromptTokens + 2048 + upstream.PromptTokens + 300, served);
        Assert.True(await CountedAsync(gateway, Roomy) >= served, $"counted {await CountedAsync(gateway, Roomy)}, served {served}");
        Assert.All(gateway.Counter.Settled, s => Assert.True(s.Actual >= s.Reservation.Reserved, "a cut stream is charged at least its reservation"));
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task An_upstream_silent_mid_stream_past_the_timeout_is_charged_at_least_what_it_streamed(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        upstream.StopAfterChunks = 500;
        await using var gateway = await StartAsync(upstream, Roomy, onRedis, timeout: TimeSpan.FromMilliseconds(300));
        using var client = await ClientAsync(gateway);

        foreach (var body in new[] { Unbounded, Unbounded.Replace("\"stream\":true", "\"stream\":true,\"stream_options\":{\"include_usage\":true,\"continuous_usage_stats\":true}", StringComparison.Ordinal) })
        {
            upstream.ResetStopped();
            gateway.Counter.SettledSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);

            // The answer is cut: the client sees a broken stream, not a complete one.
            await Assert.ThrowsAnyAsync<HttpRequestException>(() => response.Content.ReadAsStringAsync());
            await gateway.Counter.SettledSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        }

        var served = upstream.ServedTokens;
        Assert.Equal(2 * (upstream.PromptTokens + 500), served);
        Assert.True(await CountedAsync(gateway, Roomy) >= served, $"counted {await CountedAsync(gateway, Roomy)}, served {served}");
        Assert.All(gateway.Counter.Settled, s => Assert.True(s.Actual >= upstream.PromptTokens + 500, $"settled {s.Actual}"));
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_stream_answering_a_call_the_gateway_read_as_not_streaming_is_metered_as_the_stream_it_is(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        upstream.StreamAlways = true;
        await using var gateway = await StartAsync(upstream, Roomy, onRedis);
        using var client = await ClientAsync(gateway);

        // The gateway expects JSON and asks for no usage chunk; the upstream streams 2,048 tokens without usage.
        var text = await PostAsync(client, """{"model":"test/model","messages":[{"role":"user","content":"Write as much as you can."}]}""");

        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.Equal(upstream.PromptTokens + VllmLikeUpstream.UnboundedCompletionTokens, upstream.ServedTokens);
        Assert.True(await CountedAsync(gateway, Roomy) >= upstream.ServedTokens, $"counted {await CountedAsync(gateway, Roomy)}, served {upstream.ServedTokens}");
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task Answers_without_usage_that_are_not_2xx_release_their_tokens_and_still_count_as_requests(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        var limits = new TierLimits { Requests = 10, Window = GoDuration.FromMinutes(1), TokensPerMinute = 100_000 };
        await using var gateway = await StartAsync(upstream, limits, onRedis);
        using var client = await ClientAsync(gateway);

        upstream.FailWith = 404;
        for (var i = 0; i < 3; i++)
        {
            using var missing = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":250,"messages":[]}"""));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        foreach (var status in new[] { 500, 503 })
        {
            upstream.FailWith = status;
            using var failed = await client.PostAsync("/v1/chat/completions", new StringContent(Unbounded));
            Assert.Equal(status, (int)failed.StatusCode);
        }

        Assert.Equal(0, upstream.ServedTokens);
        Assert.Equal(5, gateway.Counter.Settled.Count);
        Assert.All(gateway.Counter.Settled, s => Assert.Equal(0, s.Actual));
        var (requests, tokens) = await gateway.Counter.ReadAsync(gateway.Counter.Acquired.First().Partition, limits, CancellationToken.None);
        Assert.Equal(0, tokens.Used);
        Assert.Equal(5, requests.Used);
    }

    [Theory]
    [MemberData(nameof(Counters))]
    public async Task A_404_does_not_lock_a_free_user_out_of_the_minute(bool onRedis)
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        var free = new TierLimits { Requests = 0, Window = GoDuration.FromMinutes(1), TokensPerMinute = 100 };
        await using var gateway = await StartAsync(upstream, free, onRedis);
        using var client = await ClientAsync(gateway);

        // The reservation (prompt estimate + 256) crosses the 100 tokens a minute: allowed once, then refused until it is settled.
        upstream.FailWith = 404;
        using (var missing = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","messages":[]}""")))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        upstream.FailWith = null;
        using var next = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":20,"messages":[]}"""));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal(upstream.PromptTokens + 20, await CountedAsync(gateway, free));
    }

    /// <summary>Streams a call, reads <paramref name="deltas"/> content chunks once the upstream stopped, leaves, and waits for the settlement.</summary>
    private static async Task LeaveAfterAsync(GatewayServer gateway, HttpClient client, string body, int deltas)
    {
        gateway.Counter.SettledSignal = new(TaskCreationOptions.RunContinuationsAsynchronously);
        var settled = gateway.Counter.Settled.Count;
        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent(body, Encoding.UTF8, "application/json") })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var seen = 0;
            while (seen < deltas && await reader.ReadLineAsync() is { } line)
            {
                if (line.Contains("\"content\":\" tok\"", StringComparison.Ordinal))
                {
                    seen++;
                }
            }

            Assert.Equal(deltas, seen);
            Assert.Equal(settled, gateway.Counter.Settled.Count);
        }

        await gateway.Counter.SettledSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(settled + 1, gateway.Counter.Settled.Count);
    }

    private static async Task<string> PostAsync(HttpClient client, string body)
    {
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The tokens counted in the caller's current minute, read back from the counter (Redis: after this replica's pending settlement).</summary>
    private static async Task<long> CountedAsync(GatewayServer gateway, TierLimits limits) =>
        (await gateway.Counter.ReadAsync(gateway.Counter.Acquired.First().Partition, limits, CancellationToken.None)).Tokens.Used;

    private Task<GatewayServer> StartAsync(VllmLikeUpstream upstream, TierLimits limits, bool onRedis, TimeSpan? timeout = null) =>
        GatewayServer.StartAsync(
            upstream.BaseAddress,
            o => o.Tiers.Add(new Tier { Name = "metered", Groups = ["system:authenticated"], Limits = limits }),
            forwarding: timeout is { } t ? f => f.UpstreamTimeout = t : null,
            builderConfigure: onRedis ? GatewayServer.CountingOnRedis(redis, "served:") : null);

    /// <summary>A client of a fresh user; on Redis, once the counters answer (the connection is made in the background).</summary>
    private static Task<HttpClient> ClientAsync(GatewayServer gateway) => gateway.CountingClientAsync("mallory");
}
