using System.Net;
using System.Text;
using Maas.Testing;
using static Maas.Testing.MangledInput;

namespace Maas.Api.Tests;

/// <summary>
/// Mangled model calls, usage and health requests never produce a 5xx: the sample's own data plane
/// (gateway and simulator), path base and health checks. The REST API's own cases are the hosting
/// package's <c>RandomInputTests</c>.
/// </summary>
public sealed class RandomInputTests
{
    [Fact]
    public async Task Mangled_model_calls_usage_and_health_requests_get_answers_below_500()
    {
        await using var server = await MaasApiServer.StartAsync(
            configure: builder => builder.Configuration["Maas:AuthenticationThrottle:FailureLimit"] = "100000");
        using var alice = server.CreateClient("alice", "system:authenticated");
        using var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"fuzz"}"""));
        var key = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        using var client = server.CreateClient();
        var random = new Random(20261203);
        string[] seeds =
        [
            """{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}],"max_tokens":4}""",
            """{"model":"facebook/opt-125m","prompt":"Not really understood prompt","max_prompts":40}""",
            """{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":false}}""",
            """{"model":"facebook/opt-125m","input":"embed me"}""",
        ];
        var endpoints = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Post, "/llm/facebook-opt-125m-simulated/v1/chat/completions"), (HttpMethod.Post, "/llm/facebook-opt-125m-simulated/v1/completions"),
            (HttpMethod.Post, "/llm/facebook-opt-125m-simulated/v1/embeddings"), (HttpMethod.Get, "/llm/facebook-opt-125m-simulated/v1/models"),
            (HttpMethod.Post, "/v1/chat/completions"), (HttpMethod.Post, "/v1/completions"), (HttpMethod.Post, "/maas-api/v1/tokens"),
            (HttpMethod.Get, "/v1/usage"), (HttpMethod.Get, "/v1/usage?model=%00"), (HttpMethod.Get, "/healthz"), (HttpMethod.Get, "/readyz"),
        };

        for (var i = 0; i < 300; i++)
        {
            var (method, path) = endpoints[random.Next(endpoints.Length)];
            var body = Mangle(seeds[random.Next(seeds.Length)], random);
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(3) == 0 ? "application/x-www-form-urlencoded" : "application/json");
            }

            var credential = random.Next(3) switch
            {
                0 => key,
                1 => Printable(Encoding.Latin1.GetString(Mangle(key, random))),
                _ => null,
            };
            if (credential is not null)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + credential);
            }

            using var response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{method} {path} with {Convert.ToBase64String(body)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
