using System.Net;

namespace Maas.ModelSimulator.Tests;

public sealed class LatencyTests
{
    private static readonly TimeSpan FirstToken = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan BetweenTokens = TimeSpan.FromMilliseconds(150);

    [Fact]
    public async Task Stream_waits_the_time_to_first_token_then_the_latency_between_tokens_on_the_injected_clock()
    {
        var clock = new TimerWatchingClock();
        await using var server = await SimulatorServer.StartAsync(Latent, clock);
        using var client = server.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = SimulatorServer.Json("""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"one two three"}],"stream":true}"""),
        };
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var events = new EventStreamReader(await response.Content.ReadAsStreamAsync());

        // The stream opens with the role at once; then the model "thinks" on the fake clock.
        Assert.Contains("\"role\":\"assistant\"", await events.ReadAsync(), StringComparison.Ordinal);
        Assert.Equal(FirstToken, await clock.NextDelayAsync());
        var next = events.ReadAsync();
        Assert.False(next.IsCompleted);
        clock.Advance(FirstToken);
        Assert.Contains("\"content\":\"one\"", await next, StringComparison.Ordinal);

        foreach (var word in new[] { " two", " three" })
        {
            Assert.Equal(BetweenTokens, await clock.NextDelayAsync());
            next = events.ReadAsync();
            Assert.False(next.IsCompleted);
            clock.Advance(BetweenTokens);
            Assert.Contains($"\"content\":\"{word}\"", await next, StringComparison.Ordinal);
        }

        // No wait after the last token: the finish chunk and [DONE] follow at once.
        Assert.Contains("\"finish_reason\":\"stop\"", await events.ReadAsync(), StringComparison.Ordinal);
        Assert.Equal("[DONE]", await events.ReadAsync());
        Assert.False(clock.HasPendingDelay);
    }

    [Fact]
    public async Task Plain_answer_comes_after_the_whole_generation_time_on_the_injected_clock()
    {
        var clock = new TimerWatchingClock();
        await using var server = await SimulatorServer.StartAsync(Latent, clock);
        using var client = server.CreateClient();
        var created = clock.GetUtcNow().ToUnixTimeSeconds();

        var pending = client.PostAsync("/v1/chat/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"one two three"}]}"""));
        Assert.Equal(FirstToken + (2 * BetweenTokens), await clock.NextDelayAsync());
        Assert.False(pending.IsCompleted);
        clock.Advance(FirstToken + (2 * BetweenTokens));
        using var response = await pending;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var answer = await Answers.ReadJsonAsync(response);
        Assert.Equal(created, answer.GetProperty("created").GetInt64());
        Assert.Equal("one two three", answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.False(clock.HasPendingDelay);
    }

    [Fact]
    public async Task Zero_latency_creates_no_timer()
    {
        var clock = new TimerWatchingClock();
        await using var server = await SimulatorServer.StartAsync(o => o.Mode = SimulatorMode.Echo, clock);
        using var client = server.CreateClient();

        using var plain = await client.PostAsync("/v1/completions", SimulatorServer.Json("""{"model":"facebook/opt-125m","prompt":"one two three"}"""));
        var streamed = await StreamingTests.StreamAsync(client, "/v1/completions", """{"model":"facebook/opt-125m","prompt":"one two three","stream":true}""");

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.Equal(5, streamed.Count);
        Assert.False(clock.HasPendingDelay);
    }

    private static void Latent(ModelSimulatorOptions options)
    {
        options.Mode = SimulatorMode.Echo;
        options.TimeToFirstToken = FirstToken;
        options.InterTokenLatency = BetweenTokens;
    }
}
