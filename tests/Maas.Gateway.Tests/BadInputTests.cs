using System.Net;
using System.Text;
using System.Text.Json;
using Maas.Users;

namespace Maas.Gateway.Tests;

/// <summary>Bad input gets a clear 4xx (or 502/504 for the upstream), in OpenAI's error shape, never a 500, and never reaches the upstream.</summary>
public sealed class BadInputTests
{
    private const string ChatBody = """{"model":"test/model","messages":[]}""";

    [Theory]
    [InlineData(null, ChatBody, 401, "invalid_api_key")]
    [InlineData("sk-maas-notarealkey", ChatBody, 401, "invalid_api_key")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30.c2ln", ChatBody, 401, "invalid_api_key")]
    [InlineData("valid", """{"model":"no/such-model","messages":[]}""", 404, "model_not_found")]
    [InlineData("valid", """{"messages":[]}""", 400, "bad_request")]
    [InlineData("valid", """{"model":42}""", 400, "bad_request")]
    [InlineData("valid", "model=test/model&prompt=hi", 400, "bad_request")]
    [InlineData("valid", """{"model":"test/model",""", 400, "bad_request")]
    [InlineData("valid", "[1,2]", 400, "bad_request")]
    [InlineData("valid", "", 400, "bad_request")]
    [InlineData("valid", """{"model":"test/model","max_tokens":-1}""", 400, "bad_request")]
    public async Task Refused_calls_answer_in_OpenAI_shape_and_never_reach_the_upstream(string? credential, string body, int status, string code)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(credential == "valid" ? await gateway.TokenAsync() : credential);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body, Encoding.UTF8, "application/x-www-form-urlencoded"));

        await AssertOpenAiErrorAsync(response, status, code);
        Assert.Empty(upstream.Requests);
        Assert.Empty(gateway.Counter.Acquired);
    }

    [Fact]
    public async Task A_model_name_that_is_not_UTF8_is_400_and_never_reaches_the_upstream()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());
        byte[] body = [.. "{\"model\":\"test"u8, 0x90, .. "/model\"}"u8];

        using var response = await client.PostAsync("/v1/chat/completions", new ByteArrayContent(body));

        await AssertOpenAiErrorAsync(response, 400, "bad_request");
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_badly_framed_body_is_400_and_never_reaches_the_upstream()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var headers = new Dictionary<string, string>
        {
            ["Authorization"] = "Bearer " + await gateway.TokenAsync(),
            ["Content-Type"] = "application/json",
        };

        var (status, response) = await Maas.Testing.BadlyFramedRequest.SendAsync(gateway.BaseAddress, "POST", "/v1/chat/completions", headers, """{"model":"test/model","messages":[""");

        Assert.True(status == 400, response);
        Assert.Contains("\"code\":\"bad_request\"", response, StringComparison.Ordinal);
        Assert.Empty(upstream.Requests);
        Assert.Empty(gateway.Counter.Acquired);
    }

    [Fact]
    public async Task A_body_over_one_mebibyte_is_413()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());
        var body = "{\"model\":\"test/model\",\"prompt\":\"" + new string('a', (1024 * 1024) + 1) + "\"}";

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(body));

        await AssertOpenAiErrorAsync(response, 413, "request_too_large");
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_body_naming_another_model_than_the_url_is_400()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"other/model"}"""));

        await AssertOpenAiErrorAsync(response, 400, "bad_request");
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_body_carrying_the_callers_credential_is_refused()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var key = await gateway.KeyAsync();
        using var client = gateway.Client(key);

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent($$"""{"model":"test/model","prompt":"my key is {{key}}"}"""));

        await AssertOpenAiErrorAsync(response, 400, "bad_request");
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task A_tier_the_model_is_not_for_is_403()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models[0].Tiers.Add("premium"));
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        await AssertOpenAiErrorAsync(response, 403, "model_not_allowed");
        Assert.Empty(upstream.Requests);
    }

    [Fact]
    public async Task Revoked_and_expired_credentials_are_401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var user = new MaasUser("bob", ["system:authenticated"]);
        var created = await gateway.ApiKeys.CreateAsync(user, new ApiKeys.ApiKeyRequest { Name = "k" });
        var token = (await gateway.Tokens.IssueAsync(user, Durations.GoDuration.FromMinutes(10))).Token;
        using (var before = gateway.Client(created.Key))
        {
            Assert.Equal(HttpStatusCode.OK, (await before.PostAsync("/v1/chat/completions", new StringContent(ChatBody))).StatusCode);
        }

        Assert.True(await gateway.ApiKeys.RevokeAsync(user, created.Record.Id));
        gateway.Clock.Advance(TimeSpan.FromMinutes(11));
        foreach (var credential in new[] { created.Key, token })
        {
            using var client = gateway.Client(credential);
            using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));
            await AssertOpenAiErrorAsync(response, 401, "invalid_api_key");
        }

        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task An_upstream_that_is_down_is_502()
    {
        Uri down;
        await using (var stopped = await RecordingUpstream.StartAsync())
        {
            down = stopped.BaseAddress;
        }

        await using var gateway = await GatewayServer.StartAsync(down);
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        await AssertOpenAiErrorAsync(response, 502, "upstream_unavailable");
        Assert.Equal(0, Assert.Single(gateway.Counter.Settled).Actual);
    }

    [Fact]
    public async Task An_upstream_that_does_not_answer_within_the_configured_timeout_is_504()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        upstream.Hold = true;
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, forwarding: o => o.UpstreamTimeout = TimeSpan.FromMilliseconds(300));
        using var client = gateway.Client(await gateway.TokenAsync());

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        await AssertOpenAiErrorAsync(response, 504, "upstream_timeout");
        Assert.Single(upstream.Requests);
        Assert.Equal(0, Assert.Single(gateway.Counter.Settled).Actual);
    }

    internal static async Task AssertOpenAiErrorAsync(HttpResponseMessage response, int status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == (int)response.StatusCode, $"expected {status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(text);
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("type").GetString()));
        Assert.Equal(code, error.GetProperty("code").GetString());
    }
}
