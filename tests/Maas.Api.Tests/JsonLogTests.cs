using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Maas.Api.Tests;

/// <summary><c>--log-format=json</c>: one JSON object per line, with trace id, route, status and user, and no secret.</summary>
public sealed class JsonLogTests
{
    [Fact]
    public async Task Json_logs_carry_trace_id_route_status_and_user_and_never_a_secret()
    {
        string token, key;
        await using (var host = await MaasApiProcess.StartAsync(["--log-format=json"]))
        {
            using var alice = host.CreateClient("alice", "system:authenticated");
            using (var issued = await alice.PostAsync("/v1/tokens", MaasApiServer.Json("{}")))
            {
                token = JsonDocument.Parse(await issued.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
            }

            using (var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"k"}""")))
            {
                key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
            }

            foreach (var credential in new[] { token, key, key[..^3] + "zzz" })
            {
                using var bearer = new HttpClient { BaseAddress = host.BaseAddress };
                bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
                _ = await bearer.GetAsync("/v1/models");
            }

            // SIGTERM: the console logger flushes its queue before the process exits.
            Assert.Equal(0, await host.TerminateAsync(TimeSpan.FromSeconds(30)));
            var lines = host.Output.ToArray();
            Assert.NotEmpty(lines);
            var secret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
            var signature = token[(token.LastIndexOf('.') + 1)..];
            var requestLines = 0;
            foreach (var line in lines)
            {
                Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
                Assert.DoesNotContain(signature, line, StringComparison.Ordinal);
                Assert.DoesNotContain("Bearer ", line, StringComparison.Ordinal);
                using var entry = JsonDocument.Parse(line);
                if (entry.RootElement.GetProperty("EventId").GetInt32() == 20 && entry.RootElement.GetProperty("Category").GetString() == "Maas.Api.HttpRequestMetrics")
                {
                    var state = entry.RootElement.GetProperty("State");
                    requestLines += state.GetProperty("Route").GetString() == "/healthz" ? 0 : 1; // the start-up probe
                    Assert.False(string.IsNullOrEmpty(state.GetProperty("Route").GetString()));
                    Assert.InRange(state.GetProperty("Status").GetInt32(), 200, 599);
                    Assert.Contains(entry.RootElement.GetProperty("Scopes").EnumerateArray(), scope =>
                        scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("TraceId", out var traceId) && traceId.GetString()!.Length == 32);
                    if (state.GetProperty("Route").GetString() == "/v1/api-keys")
                    {
                        Assert.Equal("alice", state.GetProperty("User").GetString());
                    }
                }
            }

            Assert.Equal(5, requestLines);
        }
    }
}
