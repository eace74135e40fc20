using System.Net;
using System.Text;

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
