using System.Net;
using System.Text;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Requests;

/// <summary>
/// Every client mistake gets a 4xx naming the problem; none is a 500 and nothing is created. The tests
/// share one host (nothing here needs a fresh store or moves the clock); a test that looks at what a
/// user holds signs in as a user no other test uses.
/// </summary>
public sealed class BadInputTests(SharedMaasTestHost host) : IClassFixture<SharedMaasTestHost>
{
    private readonly MaasTestHost _server = host.Host;

    [Theory]
    [InlineData("{", "not a valid JSON object")]
    [InlineData("[1,2]", "not a valid JSON object")]
    [InlineData("\"4h\"", "not a valid JSON object")]
    [InlineData("null", "not null")]
    [InlineData("""{"expiration":true}""", "expiration")]
    [InlineData("""{"expiration":{}}""", "expiration")]
    [InlineData("""{"expiration":"5m"}""", "at least 10m0s")]
    [InlineData("""{"expiration":"-1h"}""", "positive")]
    [InlineData("""{"expiration":"0"}""", "positive")]
    [InlineData("""{"expiration":"2x"}""", "unknown unit")]
    [InlineData("""{"expiration":0}""", "positive")]
    [InlineData("""{"expiration":-5}""", "positive")]
    [InlineData("""{"expiration":"1e9h"}""", "not a valid duration")]
    [InlineData("""{"expiration":"9999999h"}""", "not a valid duration")]
    [InlineData("""{"expiration":"48h"}""", "at most 24h0m0s")]
    [InlineData("""{"expiration":1e300}""", "out of range")]
    public async Task Bad_token_requests_get_400_naming_the_problem(string body, string expected)
    {
        using var client = _server.CreateClient("carol", "system:authenticated");
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json(body));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
    }

    [Theory]
    [InlineData("", "body is required")]
    [InlineData("   ", "body is required")]
    [InlineData("{}", "name is required")]
    [InlineData("""{"name":""}""", "name is required")]
    [InlineData("""{"name":"   "}""", "name is required")]
    [InlineData("""{"name":null}""", "name is required")]
    [InlineData("""{"name":42}""", "'name'")]
    [InlineData("""{"name":["a"]}""", "'name'")]
    [InlineData("""{"name":"a\u0007b"}""", "control characters")]
    [InlineData("""{"name":"invoice\u202Etxt.exe"}""", "bidirectional")]
    [InlineData("""{"name":"a\u200Bb"}""", "Cf")]
    [InlineData("""{"name":"\uFEFFkey"}""", "Cf")]
    [InlineData("""{"name":"a\u2066b\u2069"}""", "bidirectional")]
    [InlineData("""{"name":"ok","description":7}""", "'description'")]
    [InlineData("""{"name":"ok","expiration":"5m"}""", "at least 10m0s")]
    [InlineData("""{"name":"ok","expiration":"-1h"}""", "positive")]
    [InlineData("""{"name":"ok","expiration":"2x"}""", "unknown unit")]
    [InlineData("""{"name":"ok","expiration":-5}""", "positive")]
    [InlineData("""{"name":"ok","expiration":"1e9h"}""", "not a valid duration")]
    [InlineData("""{"name":"ok",""", "not a valid JSON object")]
    public async Task Bad_key_requests_get_400_naming_the_problem_and_create_nothing(string body, string expected)
    {
        using var client = _server.CreateClient(SharedMaasTestHost.UniqueUser("dave"), "system:authenticated");
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json(body));
        await AssertProblemAsync(response, HttpStatusCode.BadRequest, expected);
        Assert.Equal("[]", await client.GetStringAsync("/v1/api-keys"));
    }

    [Fact]
    public async Task Key_names_with_format_characters_are_refused_naming_the_field()
    {
        using var client = _server.CreateClient("erin", "system:authenticated");
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"report\u202Egnp.exe"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("name", problem.RootElement.GetProperty("field").GetString());
        Assert.Equal("[]", await client.GetStringAsync("/v1/api-keys"));
    }

    [Fact]
    public async Task A_token_too_long_for_a_bearer_header_is_refused_at_issuance_and_an_api_key_serves_instead()
    {
        // 200 groups of a real-looking length make a ~12.6 KB token, over the 8 KiB a bearer credential may be.
        var groups = Enumerable.Range(0, 200).Select(i => $"system:serviceaccounts:team-{i:D3}-inference-workloads").Append("system:authenticated").ToArray();
        using var client = _server.CreateClient("grace", groups);
        using var token = await client.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        await AssertProblemAsync(token, HttpStatusCode.BadRequest, "create an API key instead");
        using (var problem = JsonDocument.Parse(await token.Content.ReadAsStringAsync()))
        {
            Assert.Equal("groups", problem.RootElement.GetProperty("field").GetString());
        }

        using var key = await client.PostAsync("/v1/api-keys", MaasTestHost.Json("""{"name":"many-groups"}"""));
        Assert.Equal(HttpStatusCode.Created, key.StatusCode);
        using var created = JsonDocument.Parse(await key.Content.ReadAsStringAsync());
        using var bearer = _server.CreateBearerClient(created.RootElement.GetProperty("token").GetString()!);
        using var models = await bearer.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);

        // A user with a few groups still gets a token.
        using var few = _server.CreateClient("grace", [.. groups.Take(20), "system:authenticated"]);
        using var small = await few.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, small.StatusCode);
    }

    [Fact]
    public async Task Names_longer_than_128_characters_are_refused_and_128_is_accepted()
    {
        using var client = _server.CreateClient("nina", "system:authenticated");
        using var tooLong = await client.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"{{new string('n', 10_000)}}"}"""));
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "at most 128 characters");
        using var longest = await client.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"  {{new string('n', 128)}}  "}"""));
        Assert.Equal(HttpStatusCode.Created, longest.StatusCode);
        using var tooLongDescription = await client.PostAsync("/v1/api-keys", MaasTestHost.Json($$"""{"name":"x","description":"{{new string('d', 1001)}}"}"""));
        await AssertProblemAsync(tooLongDescription, HttpStatusCode.BadRequest, "description");
    }

    [Fact]
    public async Task Missing_identity_headers_are_401_not_500()
    {
        using var client = _server.CreateClient();
        foreach (var (method, path) in new[] { ("POST", "/v1/tokens"), ("DELETE", "/v1/tokens"), ("POST", "/v1/api-keys"), ("GET", "/v1/api-keys"), ("GET", "/v1/api-keys/x"), ("DELETE", "/v1/api-keys/x") })
        {
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method == "POST" ? MaasTestHost.Json("{}") : null };
            using var response = await client.SendAsync(request);
            await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "identity");
        }

        using var models = await client.GetAsync("/v1/models");
        Assert.Equal(HttpStatusCode.Unauthorized, models.StatusCode);
        using var openAi = JsonDocument.Parse(await models.Content.ReadAsStringAsync());
        Assert.Contains("Missing", openAi.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("authentication_error", openAi.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("tier-free-users", "must be a list")]
    [InlineData("{\"a\":1}", "must be a list")]
    [InlineData("[1,2]", "must be a list")]
    [InlineData("[\"a\",", "must be a list")]
    public async Task Group_header_that_is_not_a_list_is_401(string groups, string expected)
    {
        using var client = _server.CreateClient();
        client.DefaultRequestHeaders.Add("X-MaaS-Username", "frank");
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-MaaS-Group", groups);
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, expected);
    }

    [Fact]
    public async Task Username_without_groups_is_401()
    {
        using var client = _server.CreateClient();
        client.DefaultRequestHeaders.Add("X-MaaS-Username", "frank");
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.Unauthorized, "X-MaaS-Group");
    }

    [Fact]
    public async Task Authorino_list_rendering_of_groups_is_accepted()
    {
        using var client = _server.CreateClient();
        client.DefaultRequestHeaders.Add("X-MaaS-Username", "grace");
        client.DefaultRequestHeaders.TryAddWithoutValidation("X-MaaS-Group", "[system:authenticated tier-enterprise-users]");
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        var payload = JsonDocument.Parse(Base64UrlDecode(token.Split('.')[1]));
        Assert.Equal("enterprise", payload.RootElement.GetProperty("tier").GetString());
    }

    [Fact]
    public async Task User_in_no_tier_gets_403_with_a_clear_message()
    {
        using var client = _server.CreateClient("heidi", "nobody-group");
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        await AssertProblemAsync(response, HttpStatusCode.Forbidden, "no tier");
    }

    [Theory]
    [InlineData("/v1/tokens", "judy")]
    [InlineData("/v1/api-keys", "jules")]
    public async Task A_badly_framed_body_is_400_and_creates_nothing(string path, string user)
    {
        var headers = new Dictionary<string, string>
        {
            ["X-MaaS-Username"] = user,
            ["X-MaaS-Group"] = "[\"system:authenticated\"]",
            ["Content-Type"] = "application/json",
        };

        var (status, response) = await Maas.Testing.BadlyFramedRequest.SendAsync(_server.BaseAddress, "POST", path, headers, """{"name":"cut""");

        Assert.True(status == 400, response);
        Assert.Contains("could not be read", response, StringComparison.Ordinal);
        using var client = _server.CreateClient(user, "system:authenticated");
        Assert.Equal("[]", (await client.GetStringAsync("/v1/api-keys")).Trim());
    }

    [Fact]
    public async Task Body_of_2_MiB_is_413()
    {
        using var client = _server.CreateClient("ivan", "system:authenticated");
        var big = "{\"name\":\"" + new string('a', 2 * 1024 * 1024) + "\"}";

        // Like curl for large bodies, wait for the server's verdict before uploading: the server
        // may answer 413 and close the connection while a client is still sending.
        client.DefaultRequestHeaders.ExpectContinue = true;
        using var response = await client.PostAsync("/v1/api-keys", MaasTestHost.Json(big));
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "1 MiB");

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        using var chunkedResponse = await client.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, chunkedResponse.StatusCode);
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("text/plain")]
    [InlineData(null)]
    public async Task Json_sent_the_way_curl_d_sends_it_is_accepted(string? contentType)
    {
        using var client = _server.CreateClient(SharedMaasTestHost.UniqueUser("kim"), "system:authenticated");
        foreach (var (path, body) in new[] { ("/v1/tokens", """{"expiration":"4h"}"""), ("/v1/api-keys", """{"name":"curl"}""") })
        {
            using var content = new StringContent(body);
            content.Headers.ContentType = contentType is null ? null : new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
            using var response = await client.PostAsync(path, content);
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        }
    }

    [Fact]
    public async Task A_body_declared_as_something_else_is_415_with_a_message()
    {
        using var client = _server.CreateClient("kim", "system:authenticated");
        using var content = new StringContent("""{"name":"x"}""", Encoding.UTF8, "application/xml");
        using var response = await client.PostAsync("/v1/api-keys", content);
        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "must be JSON");
    }

    [Fact]
    public async Task Empty_token_body_gets_the_default_lifetime()
    {
        using var client = _server.CreateClient("olga", "system:authenticated");
        using var response = await client.PostAsync("/v1/tokens", content: null);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("4h0m0s", body.RootElement.GetProperty("expiration").GetString());
    }

    [Fact]
    public async Task Expiration_as_a_number_is_seconds()
    {
        using var client = _server.CreateClient("olga", "system:authenticated");
        using var response = await client.PostAsync("/v1/tokens", MaasTestHost.Json("""{"expiration":9000}"""));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("2h30m0s", body.RootElement.GetProperty("expiration").GetString());
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        var error = problem.RootElement.GetProperty("error").GetString()!;
        Assert.Contains(expected, error, StringComparison.OrdinalIgnoreCase);
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
    }

    private static byte[] Base64UrlDecode(string value) => System.Buffers.Text.Base64Url.DecodeFromChars(value);
}
