using System.Net;
using System.Text;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>Mangled bodies, headers and paths never produce a 5xx.</summary>
public sealed class RandomInputTests
{
    private static readonly string[] Seeds =
    [
        """{"expiration":"4h"}""",
        """{"name":"my-application-key","description":"d","expiration":"720h"}""",
        """{"groups":["system:authenticated"]}""",
        """{"expiration":14400}""",
    ];

    [Fact]
    public async Task Mangled_requests_get_answers_below_500()
    {
        await using var server = await MaasApiServer.StartAsync();
        using var client = server.CreateClient("fuzz", "system:authenticated");
        var random = new Random(20261126);
        var endpoints = new (HttpMethod Method, string Path)[]
        {
            (HttpMethod.Post, "/v1/tokens"), (HttpMethod.Post, "/v1/api-keys"), (HttpMethod.Post, "/v1/tiers/lookup"),
            (HttpMethod.Get, "/v1/api-keys/%00"), (HttpMethod.Delete, "/v1/api-keys/" + new string('x', 3000)),
            (HttpMethod.Get, "/v1/models"), (HttpMethod.Delete, "/v1/tokens"),
        };

        for (var i = 0; i < 400; i++)
        {
            var (method, path) = endpoints[random.Next(endpoints.Length)];
            var body = Mangle(Seeds[random.Next(Seeds.Length)], random);
            using var request = new HttpRequestMessage(method, path);
            if (method != HttpMethod.Get)
            {
                request.Content = new ByteArrayContent(body);
                request.Content.Headers.TryAddWithoutValidation("Content-Type", random.Next(4) == 0 ? "text/html" : "application/json");
            }

            if (random.Next(5) == 0)
            {
                request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + new string(Encoding.Latin1.GetString(Mangle("sk-maas-abc_def", random)).Select(c => c is > (char)32 and < (char)127 ? c : 'x').ToArray()));
            }

            using var response = await client.SendAsync(request);
            Assert.True((int)response.StatusCode < 500, $"{method} {path} with {Convert.ToBase64String(body)} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    [Fact]
    public async Task Mangled_credentials_forwarded_addresses_and_unicode_names_get_answers_below_500()
    {
        await using var server = await MaasApiServer.StartAsync(
            configure: builder =>
            {
                builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = IntrospectionRequests.ClientId;
                builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret);
                builder.Configuration["Maas:TrustedProxies:0"] = "127.0.0.1";
                builder.Configuration["Maas:AuthenticationThrottle:FailureLimit"] = "7";
            });
        using var client = server.CreateClient();
        var random = new Random(20261202);
        char[] awkward = ['\u202E', '\u200B', '\uFEFF', '\u2066', '\u0000', '\uD800', 'é', ' ', ':', '"', '\\'];
        var statuses = new HashSet<int>();
        for (var i = 0; i < 300; i++)
        {
            using var request = new HttpRequestMessage();
            var forwarded = random.Next(3) switch
            {
                0 => "198.51.100." + random.Next(256),
                1 => Encoding.Latin1.GetString(Mangle("2001:db8::1, 10.0.0.1", random)),
                _ => null,
            };
            if (forwarded is not null)
            {
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", Printable(forwarded));
            }

            switch (random.Next(3))
            {
                case 0:
                    request.Method = HttpMethod.Post;
                    request.RequestUri = new Uri("/v1/introspect", UriKind.Relative);
                    request.Content = new ByteArrayContent(Mangle("token=sk-maas-abc&token_type_hint=api_key", random));
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/x-www-form-urlencoded");
                    var basic = random.Next(2) == 0
                        ? IntrospectionRequests.Basic(IntrospectionRequests.ClientId, IntrospectionRequests.ClientSecret)
                        : Printable(Encoding.Latin1.GetString(Mangle(IntrospectionRequests.Basic(IntrospectionRequests.ClientId, "guess"), random)));
                    request.Headers.TryAddWithoutValidation("Authorization", "Basic " + basic);
                    break;
                case 1:
                    request.Method = HttpMethod.Get;
                    request.RequestUri = new Uri("/v1/api-keys", UriKind.Relative);
                    request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Printable(Encoding.Latin1.GetString(Mangle("sk-maas-abc_def", random))));
                    break;
                default:
                    request.Method = HttpMethod.Post;
                    request.RequestUri = new Uri("/v1/api-keys", UriKind.Relative);
                    var name = new string([.. Enumerable.Range(0, random.Next(1, 12)).Select(_ => random.Next(3) == 0 ? awkward[random.Next(awkward.Length)] : (char)random.Next('a', 'z'))]);
                    request.Content = new StringContent(System.Text.Json.JsonSerializer.Serialize(new { name }), Encoding.UTF8, "application/json");
                    request.Headers.Add("X-MaaS-Username", "fuzz");
                    request.Headers.Add("X-MaaS-Group", "[\"system:authenticated\"]");
                    break;
            }

            using var response = await client.SendAsync(request);
            statuses.Add((int)response.StatusCode);
            Assert.True((int)response.StatusCode < 500, $"{request.Method} {request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        Assert.Contains(400, statuses); // names with format characters
        Assert.Contains(401, statuses);
        Assert.Contains(429, statuses); // guesses from one forwarded address, or from the loopback caller
    }

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

    private static string Printable(string text) => new([.. text.Select(c => c is > (char)32 and < (char)127 ? c : 'x')]);

    private static byte[] Mangle(string seed, Random random)
    {
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(seed));
        var edits = random.Next(1, 6);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(bytes.Count);
            switch (random.Next(4))
            {
                case 0: bytes.RemoveAt(at); break;
                case 1: bytes.Insert(at, (byte)random.Next(256)); break;
                case 2: bytes[at] = (byte)random.Next(256); break;
                default: bytes.InsertRange(at, Encoding.UTF8.GetBytes(random.Next(3) switch { 0 => "\"", 1 => "{}", _ => "1e999" })); break;
            }
        }

        return [.. bytes];
    }
}
