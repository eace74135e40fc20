using System.Net;
using System.Text;
using Maas.Testing;
using static Maas.Testing.MangledInput;

namespace Maas.Hosting.AspNetCore.Tests.Requests;

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
        await using var server = await MaasTestHost.StartAsync();
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
        await using var server = await MaasTestHost.StartAsync(
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
}
