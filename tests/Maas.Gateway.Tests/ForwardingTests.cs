using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Maas.Gateway.Tests;

/// <summary>What the upstream receives, and what the caller gets back, for calls the gateway lets through.</summary>
public sealed class ForwardingTests
{
    private const string ChatBody = """{"model":"test/model","messages":[{"role":"user","content":"hi"}]}""";

    [Fact]
    public async Task Upstream_sees_the_user_and_tier_but_no_credential_in_headers_query_or_body()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var token = await gateway.TokenAsync("alice");
        var key = await gateway.KeyAsync("alice");

        foreach (var credential in new[] { token, key })
        {
            using var client = gateway.Client(credential);
            client.DefaultRequestHeaders.Add("api-key", credential);
            client.DefaultRequestHeaders.Add("X-MaaS-Tier", "enterprise");
            client.DefaultRequestHeaders.Add("X-MaaS-Username", "mallory");
            using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions?api_key={credential}&keep=1", new StringContent(ChatBody, Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("hello there", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Equal(2, upstream.Requests.Count);
        foreach (var seen in upstream.Requests)
        {
            Assert.Equal("/v1/chat/completions", seen.Path);
            Assert.Equal("?keep=1", seen.Query);
            Assert.False(seen.Headers.ContainsKey("Authorization"));
            Assert.False(seen.Headers.ContainsKey("X-MaaS-Username"));
            Assert.Equal("alice", seen.Headers["X-MaaS-User"]);
            Assert.Equal("free", seen.Headers["X-MaaS-Tier"]);
            Assert.Equal(ChatBody, seen.Body);
            var everything = string.Join('\n', seen.Headers.Select(h => h.Key + ": " + h.Value)) + seen.Query + seen.Body;
            Assert.DoesNotContain("sk-maas-", everything, StringComparison.Ordinal);
            Assert.DoesNotContain("eyJ", everything, StringComparison.Ordinal);
            Assert.DoesNotContain(token, everything, StringComparison.Ordinal);
            Assert.DoesNotContain(key, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_body_posted_as_a_form_like_curl_d_is_forwarded_as_json_and_the_root_path_picks_the_model_from_it()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        const string body = """{"model": "test/model", "prompt": "Not really understood prompt", "max_prompts": 40}""";
        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(upstream.Requests);
        Assert.Equal(body, seen.Body);
        Assert.StartsWith("application/json", seen.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetByteCount(body).ToString(System.Globalization.CultureInfo.InvariantCulture), seen.Headers["Content-Length"]);
    }

    [Fact]
    public async Task A_plain_answer_settles_the_reservation_once_with_its_usage()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":10,"messages":[]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var (_, estimate, _) = Assert.Single(gateway.Counter.Acquired);
        Assert.True(estimate >= 10, $"estimate {estimate} covers max_tokens");
        var (_, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(12, actual);
    }

    [Fact]
    public async Task A_stream_passes_through_and_the_usage_chunk_the_client_did_not_ask_for_is_kept_from_it()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","stream":true,"messages":[]}"""));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("hello", text, StringComparison.Ordinal);
        Assert.Contains(" there", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("total_tokens", text, StringComparison.Ordinal);
        using (var forwarded = JsonDocument.Parse(Assert.Single(upstream.Requests).Body))
        {
            Assert.True(forwarded.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        }

        var (_, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(7, actual);
    }

    [Fact]
    public async Task A_client_that_asked_for_usage_gets_the_usage_chunk()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","stream":true,"stream_options":{"include_usage":true},"messages":[]}"""));
        var text = await response.Content.ReadAsStringAsync();

        Assert.Contains("\"total_tokens\":7", text, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", text, StringComparison.Ordinal);
        Assert.Equal(7, Assert.Single(gateway.Counter.Settled).Actual);
    }

    [Fact]
    public async Task A_stream_cut_by_the_client_is_settled_exactly_once()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        upstream.StreamGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = new StringContent("""{"model":"test/model","stream":true,"max_tokens":20,"messages":[]}""") })
        using (var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            var first = new byte[64];
            Assert.True(await stream.ReadAsync(first) > 0);
            await upstream.FirstChunkSent.Task;
        }

        // The client is gone; the gateway notices, settles with the reservation (no usage was seen).
        await gateway.Counter.SettledSignal.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var (reservation, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(reservation.Reserved, actual);
        Assert.Single(gateway.Counter.Acquired);
    }

    [Fact]
    public async Task The_model_route_forwards_model_listing_to_the_upstream()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.KeyAsync());

        using var response = await client.GetAsync($"{GatewayServer.ModelPath}/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("test/model", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.NotNull(response.Headers.Contains("RateLimit") ? response : null);
    }

    internal static StringContent Json(string json) => new(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json").MediaType!);
}
