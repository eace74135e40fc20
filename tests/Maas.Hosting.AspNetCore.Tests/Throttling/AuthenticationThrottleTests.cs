using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using Maas.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Throttling;

/// <summary>
/// Guessing at introspection client secrets, the gateway secret or bearer credentials is answered
/// 429 per client address after the configured failures, on the real host; other addresses and
/// real clients are unaffected, the window ends on the fake clock, and no log line holds a secret.
/// </summary>
public sealed class AuthenticationThrottleTests
{
    private const string GatewaySecret = "the-real-gateway-secret-0123456789";
    private const int Limit = 5;

    private static Task<MaasTestHost> StartAsync(FakeLogCollectorOptions? logs = null, string? trustedProxy = null) =>
        MaasTestHost.StartAsync(
            environmentName: "Production",
            configure: builder =>
            {
                builder.Configuration["Maas:Gateway:SharedSecret"] = GatewaySecret;
                builder.Configuration["Maas:Gateway:Clients:0:ClientId"] = IntrospectionRequests.ClientId;
                builder.Configuration["Maas:Gateway:Clients:0:SecretHash"] = IntrospectionRequests.SecretHash(IntrospectionRequests.ClientSecret);
                builder.Configuration["Maas:AuthenticationThrottle:FailureLimit"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture);
                builder.Configuration["Maas:AuthenticationThrottle:Window"] = "00:01:00";
                if (trustedProxy is not null)
                {
                    builder.Configuration["Maas:TrustedProxies:0"] = trustedProxy;
                }

                if (logs is not null)
                {
                    builder.Logging.AddFakeLogging(o => o.CollectRecordsForDisabledLogLevels = false);
                }
            });

    /// <summary>A client whose connections come from <paramref name="localAddress"/> (any 127/8 address reaches loopback on Linux).</summary>
    private static HttpClient ClientFrom(MaasTestHost server, string localAddress)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(localAddress), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = server.BaseAddress };
    }

    private static async Task AssertThrottledAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.TooManyRequests, $"expected 429, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var retryAfter = response.Headers.RetryAfter?.Delta;
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value, TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1));
        using var problem = JsonDocument.Parse(text);
        Assert.Equal(429, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Equal("too_many_failed_authentications", problem.RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Guessing_introspection_client_secrets_is_429_after_the_limit_and_another_address_is_unaffected()
    {
        await using var server = await StartAsync();
        using var attacker = ClientFrom(server, "127.0.0.2");
        using var gateway = ClientFrom(server, "127.0.0.1");
        for (var i = 0; i < Limit; i++)
        {
            using var wrong = await IntrospectionRequests.PostAsync(attacker, "sk-maas-x", IntrospectionRequests.Basic(IntrospectionRequests.ClientId, "guess-" + i));
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // Throttled now, even with the right secret: a hit must look like every other answer.
        using (var right = await IntrospectionRequests.PostAsync(attacker, "sk-maas-x"))
        {
            await AssertThrottledAsync(right);
        }

        Assert.False((await IntrospectionRequests.IntrospectAsync(gateway, "sk-maas-x")).GetProperty("active").GetBoolean());

        server.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.False((await IntrospectionRequests.IntrospectAsync(attacker, "sk-maas-x")).GetProperty("active").GetBoolean());
    }

    [Fact]
    public async Task Guessing_the_gateway_secret_is_429_after_the_limit_and_the_real_gateway_elsewhere_is_unaffected()
    {
        await using var server = await StartAsync();
        using var attacker = ClientFrom(server, "127.0.0.3");
        attacker.DefaultRequestHeaders.Add("X-MaaS-Username", "admin");
        attacker.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        for (var i = 0; i < Limit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens") { Content = MaasTestHost.Json("{}") };
            request.Headers.Add("X-MaaS-Gateway-Secret", "guess-number-" + i + "-padding");
            using var wrong = await attacker.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens") { Content = MaasTestHost.Json("{}") })
        {
            request.Headers.Add("X-MaaS-Gateway-Secret", GatewaySecret);
            using var right = await attacker.SendAsync(request);
            await AssertThrottledAsync(right);
        }

        using var gateway = ClientFrom(server, "127.0.0.1");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Username", "alice");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Group", "[\"system:authenticated\"]");
        gateway.DefaultRequestHeaders.Add("X-MaaS-Gateway-Secret", GatewaySecret);
        using var issued = await gateway.PostAsync("/v1/tokens", MaasTestHost.Json("{}"));
        Assert.Equal(HttpStatusCode.Created, issued.StatusCode);
    }

    [Fact]
    public async Task Guessing_bearer_credentials_is_429_in_each_endpoint_format_and_recovers_after_the_window()
    {
        await using var server = await StartAsync();
        using var attacker = ClientFrom(server, "127.0.0.4");
        for (var i = 0; i < Limit; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/api-keys");
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-maas-made-up-" + i);
            using var wrong = await attacker.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/api-keys"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-maas-another");
            using var throttled = await attacker.SendAsync(request);
            await AssertThrottledAsync(throttled);
        }

        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/models"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-maas-another");
            using var openAi = await attacker.SendAsync(request);
            Assert.Equal(HttpStatusCode.TooManyRequests, openAi.StatusCode);
            Assert.NotNull(openAi.Headers.RetryAfter);
            using var body = JsonDocument.Parse(await openAi.Content.ReadAsStringAsync());
            Assert.Equal("rate_limit_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
        }

        server.Clock.Advance(TimeSpan.FromMinutes(1));
        using (var request = new HttpRequestMessage(HttpMethod.Get, "/v1/api-keys"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "sk-maas-after-the-window");
            using var again = await attacker.SendAsync(request);
            Assert.Equal(HttpStatusCode.Unauthorized, again.StatusCode);
        }
    }

    [Fact]
    public async Task Behind_a_trusted_proxy_the_forwarded_client_address_is_counted_and_from_anyone_else_it_is_ignored()
    {
        await using (var server = await StartAsync(trustedProxy: "127.0.0.1"))
        {
            using var proxy = ClientFrom(server, "127.0.0.1");
            for (var i = 0; i < Limit; i++)
            {
                using var wrong = await ForwardedBearerAsync(proxy, "203.0.113.7", "sk-maas-guess-" + i);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var throttled = await ForwardedBearerAsync(proxy, "203.0.113.7", "sk-maas-guess");
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
            using var otherUser = await ForwardedBearerAsync(proxy, "203.0.113.8", "sk-maas-mine");
            Assert.Equal(HttpStatusCode.Unauthorized, otherUser.StatusCode);
        }

        // No trusted proxy configured: X-Forwarded-For cannot spread one caller over many addresses.
        await using (var server = await StartAsync())
        {
            using var caller = ClientFrom(server, "127.0.0.5");
            for (var i = 0; i < Limit; i++)
            {
                using var wrong = await ForwardedBearerAsync(caller, "198.51.100." + (i + 1), "sk-maas-guess-" + i);
                Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            }

            using var throttled = await ForwardedBearerAsync(caller, "198.51.100.200", "sk-maas-guess");
            Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        }
    }

    [Fact]
    public async Task Failed_authentication_is_logged_once_per_address_and_window_without_the_presented_secret()
    {
        await using var server = await StartAsync(logs: new FakeLogCollectorOptions());
        using var attacker = ClientFrom(server, "127.0.0.6");
        var presented = new List<string>();
        for (var i = 0; i < 3 * Limit; i++)
        {
            var secret = $"presented-secret-{i:D4}-abcdef";
            presented.Add(secret);
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/tokens") { Content = MaasTestHost.Json("{}") };
            request.Headers.Add("X-MaaS-Username", "admin");
            request.Headers.Add("X-MaaS-Group", "[\"system:authenticated\"]");
            request.Headers.Add("X-MaaS-Gateway-Secret", secret);
            using var _ = await attacker.SendAsync(request);
            using var basic = await IntrospectionRequests.PostAsync(attacker, "sk-maas-token-" + secret, IntrospectionRequests.Basic(IntrospectionRequests.ClientId, secret));
        }

        var records = server.Services.GetRequiredService<FakeLogCollector>().GetSnapshot()
            .Where(r => r.Category == "Maas.Hosting.Throttling.FailedAuthenticationThrottle").ToList();
        Assert.Equal(2, records.Count); // the first failure, and the one that started throttling
        Assert.Contains("Failed GatewaySecret authentication from 127.0.0.6", records[0].Message, StringComparison.Ordinal);
        Assert.Contains($"Throttling 127.0.0.6: {Limit} failed authentications", records[1].Message, StringComparison.Ordinal);

        var everything = string.Join("\n", server.Services.GetRequiredService<FakeLogCollector>().GetSnapshot().Select(r => r.Message + " " + r.Exception));
        foreach (var secret in presented.Append(GatewaySecret).Append(IntrospectionRequests.ClientSecret))
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    private static async Task<HttpResponseMessage> ForwardedBearerAsync(HttpClient client, string forwardedFor, string credential)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/api-keys");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return await client.SendAsync(request);
    }
}
