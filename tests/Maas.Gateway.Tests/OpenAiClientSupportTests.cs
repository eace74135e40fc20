using System.Net;
using System.Text.Json;
using Maas.Durations;
using Maas.Gateway.Responses;
using Maas.Models;
using Maas.Tiers;

namespace Maas.Gateway.Tests;

/// <summary>
/// What OpenAI's SDKs read beyond the body: <c>x-request-id</c> on every answer, OpenAI's <c>x-ratelimit-*</c>
/// headers beside the IETF ones, <c>GET /v1/models/{id}</c>, and errors in OpenAI's shape for paths the gateway
/// does not serve under a model's URL.
/// </summary>
public sealed class OpenAiClientSupportTests
{
    private static void OneTier(MaasOptions options, int requests, long tokensPerMinute) =>
        options.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = tokensPerMinute },
        });

    private static string RequestId(HttpResponseMessage response)
    {
        Assert.True(response.Headers.TryGetValues("x-request-id", out var values), $"no x-request-id on {(int)response.StatusCode}");
        var id = Assert.Single(values);
        Assert.False(string.IsNullOrWhiteSpace(id));
        return id;
    }

    [Fact]
    public async Task Every_gateway_answer_carries_one_x_request_id_allowed_refused_unauthenticated_bad_and_unrouted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 1, tokensPerMinute: 0));
        using var client = gateway.Client(await gateway.TokenAsync());
        using var anonymous = gateway.Client();

        using var allowed = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
        using var refused = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
        using var unauthenticated = await anonymous.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
        using var bad = await client.PostAsync("/v1/completions", new StringContent("""[1]"""));
        using var unrouted = await client.PostAsync($"{GatewayServer.ModelPath}/v1/audio/speech", new StringContent("{}"));
        using var retrieved = await client.GetAsync("/v1/models/test%2Fmodel");

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.Unauthorized, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.OK],
            new[] { allowed, refused, unauthenticated, bad, unrouted, retrieved }.Select(r => r.StatusCode));
        var ids = new[] { allowed, refused, unauthenticated, bad, unrouted, retrieved }.Select(RequestId).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Fact]
    public async Task The_gateways_request_id_replaces_the_upstreams_own()
    {
        await using var upstream = await VllmLikeUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model","max_tokens":3}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(VllmLikeUpstream.RequestId, RequestId(response));
    }

    [Fact]
    public async Task Answers_and_429s_carry_OpenAIs_rate_limit_headers_that_agree_with_the_counters()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 2, tokensPerMinute: 1000));
        using var client = gateway.Client(await gateway.TokenAsync());
        const string body = """{"model":"test/model","max_tokens":10}""";

        using var first = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent(body));
        var decision = gateway.Counter.Acquired.Single().Decision;
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal("2", Header(first, "x-ratelimit-limit-requests"));
        Assert.Equal("1", Header(first, "x-ratelimit-remaining-requests"));
        Assert.Equal("2m0s", Header(first, "x-ratelimit-reset-requests"));
        Assert.Equal("1000", Header(first, "x-ratelimit-limit-tokens"));

        // Settled before the answer's headers went: the call's 12 tokens are counted, not its larger reservation.
        Assert.Equal("988", Header(first, "x-ratelimit-remaining-tokens"));
        Assert.True(decision.Tokens.Remaining < 988, $"remaining {decision.Tokens.Remaining} at the acquire counts the reservation");
        Assert.Equal("1m0s", Header(first, "x-ratelimit-reset-tokens"));
        Assert.NotNull(Header(first, "RateLimit"));

        gateway.Clock.Advance(TimeSpan.FromSeconds(15));
        using var second = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent(body));
        using var refused = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent(body));
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("0", Header(second, "x-ratelimit-remaining-requests"));
        Assert.Equal("1m45s", Header(second, "x-ratelimit-reset-requests"));
        Assert.Equal("45s", Header(second, "x-ratelimit-reset-tokens"));
        await BadInputTests.AssertOpenAiErrorAsync(refused, 429, "rate_limit_exceeded");
        Assert.Equal("105", Header(refused, "Retry-After"));
        Assert.Equal("2", Header(refused, "x-ratelimit-limit-requests"));
        Assert.Equal("0", Header(refused, "x-ratelimit-remaining-requests"));
        Assert.Equal("1m45s", Header(refused, "x-ratelimit-reset-requests"));
        Assert.Equal("1000", Header(refused, "x-ratelimit-limit-tokens"));
        Assert.NotNull(Header(refused, "x-ratelimit-remaining-tokens"));
    }

    [Fact]
    public async Task A_limit_the_tier_does_not_set_has_no_OpenAI_headers()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 3, tokensPerMinute: 0));
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));

        Assert.Equal("3", Header(response, "x-ratelimit-limit-requests"));
        Assert.Null(Header(response, "x-ratelimit-limit-tokens"));
        Assert.Null(Header(response, "x-ratelimit-remaining-tokens"));
        Assert.Null(Header(response, "x-ratelimit-reset-tokens"));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(1, "1s")]
    [InlineData(59_001, "1m0s")]
    [InlineData(60_000, "1m0s")]
    [InlineData(61_000, "1m1s")]
    [InlineData(360_000, "6m0s")]
    [InlineData(3_599_000, "59m59s")]
    [InlineData(3_600_000, "1h0m0s")]
    [InlineData(90_061_000, "25h1m1s")]
    public void Reset_times_are_written_as_OpenAI_writes_them_rounded_up_to_the_second(long milliseconds, string expected) =>
        Assert.Equal(expected, RateLimitHeaders.Reset(TimeSpan.FromMilliseconds(milliseconds)));

    [Fact]
    public async Task A_model_is_retrieved_from_the_catalog_at_the_root_and_under_its_URL_uncounted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models[0].Created = 1735689600);
        using var client = gateway.Client(await gateway.KeyAsync());

        foreach (var path in new[] { "/v1/models/test%2Fmodel", "/v1/models/test/model", $"{GatewayServer.ModelPath}/v1/models/test%2Fmodel", $"{GatewayServer.ModelPath}/v1/models/test/model" })
        {
            using var response = await client.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path}: {(int)response.StatusCode} {text}");
            using var card = JsonDocument.Parse(text);
            Assert.Equal("test/model", card.RootElement.GetProperty("id").GetString());
            Assert.Equal("model", card.RootElement.GetProperty("object").GetString());
            Assert.Equal("test", card.RootElement.GetProperty("owned_by").GetString());
            Assert.Equal(1735689600, card.RootElement.GetProperty("created").GetInt64());
        }

        Assert.Empty(upstream.Requests);
        Assert.Empty(gateway.Counter.Acquired);
    }

    [Fact]
    public async Task Retrieving_an_unknown_a_forbidden_or_another_URLs_model_is_404_and_without_credentials_401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models.Add(new ModelDescriptor
        {
            Id = "big/model",
            OwnedBy = "test",
            Url = new Uri("http://models.example/llm/big-model"),
            Upstream = upstream.BaseAddress,
            Tiers = ["enterprise"],
        }));
        using var client = gateway.Client(await gateway.KeyAsync());

        foreach (var path in new[] { "/v1/models/no%2Fsuch", "/v1/models/big%2Fmodel", $"{GatewayServer.ModelPath}/v1/models/big%2Fmodel", "/llm/big-model/v1/models/test%2Fmodel" })
        {
            using var response = await client.GetAsync(path);
            await BadInputTests.AssertOpenAiErrorAsync(response, 404, "model_not_found");
        }

        using var anonymous = await gateway.Client().GetAsync("/v1/models/test%2Fmodel");
        await BadInputTests.AssertOpenAiErrorAsync(anonymous, 401, "invalid_api_key");
        Assert.Empty(upstream.Requests);
    }

    [Theory]
    [InlineData("POST", "/v1/audio/speech")]
    [InlineData("GET", "/v1/chat/completions")]
    [InlineData("DELETE", "/v1/models")]
    [InlineData("GET", "/anything")]
    public async Task What_the_gateway_does_not_serve_under_a_model_URL_is_an_OpenAI_shaped_404(string method, string path)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.KeyAsync());

        using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), GatewayServer.ModelPath + path) { Content = new StringContent("{}") });

        await BadInputTests.AssertOpenAiErrorAsync(response, 404, "unknown_url");
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal($"Invalid URL ({method} {GatewayServer.ModelPath}{path})", error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal("invalid_request_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        RequestId(response);
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Embeddings_under_the_model_URL_are_forwarded_and_settled_with_their_usage()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.KeyAsync());

        using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/embeddings", new StringContent("""{"model":"test/model","input":["a","b"]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("/v1/embeddings", Assert.Single(upstream.Requests).Path);
        Assert.Equal(12, Assert.Single(gateway.Counter.Settled).Actual);
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? Assert.Single(values) : null;
}
