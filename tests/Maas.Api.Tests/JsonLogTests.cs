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

    [Fact]
    public async Task Request_lines_name_the_user_of_model_calls_and_usage_and_a_route_or_path_that_starts_with_a_slash()
    {
        await using var host = await MaasApiProcess.StartAsync(["--log-format=json"]);
        using var alice = host.CreateClient("alice", "system:authenticated");
        string key;
        using (var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"k"}""")))
        {
            key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        }

        using var bearer = new HttpClient { BaseAddress = host.BaseAddress };
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using (var call = await bearer.PostAsync("/llm/facebook-opt-125m-simulated/v1/chat/completions", MaasApiServer.Json("""{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}]}""")))
        {
            Assert.Equal(HttpStatusCode.OK, call.StatusCode);
        }

        Assert.Equal(HttpStatusCode.OK, (await bearer.GetAsync("/v1/usage")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/keys")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.PostAsync("/v1/no-such-thing", MaasApiServer.Json("{}"))).StatusCode);
        // A key pasted into a URL that matches no route: the path is logged, the key is not.
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/v1/lookup/" + key)).StatusCode);

        Assert.Equal(0, await host.TerminateAsync(TimeSpan.FromSeconds(30)));
        var requests = new List<(string Method, string Route, int Status, string User)>();
        foreach (var line in host.Output)
        {
            using var entry = JsonDocument.Parse(line);
            if (entry.RootElement.GetProperty("EventId").GetInt32() == 20 && entry.RootElement.GetProperty("Category").GetString() == "Maas.Api.HttpRequestMetrics")
            {
                // (Not the whole line: ASP.NET Core's request scope, printed with the JSON line's scopes, carries the raw path.)
                var state = entry.RootElement.GetProperty("State");
                Assert.False(state.GetRawText().Contains(key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..], StringComparison.Ordinal), line);
                requests.Add((state.GetProperty("Method").GetString()!, state.GetProperty("Route").GetString()!, state.GetProperty("Status").GetInt32(), state.GetProperty("User").GetString()!));
            }
        }

        Assert.All(requests, r => Assert.StartsWith("/", r.Route, StringComparison.Ordinal));
        Assert.Contains(("POST", "/llm/facebook-opt-125m-simulated/v1/chat/completions", 200, "alice"), requests);
        Assert.Contains(("GET", "/v1/usage", 200, "alice"), requests);
        Assert.Contains(("GET", "/keys", 200, "alice"), requests);
        Assert.Contains(("POST", "/v1/no-such-thing", 404, "-"), requests);
        Assert.Contains(("GET", "/v1/lookup/{credential}", 404, "-"), requests);
    }

    [Fact]
    public async Task A_key_pasted_into_an_unmatched_path_is_never_printed_in_the_request_scope_while_trace_ids_still_are()
    {
        await using var host = await MaasApiProcess.StartAsync(["--log-format=json"]);
        using var alice = host.CreateClient("alice", "system:authenticated");
        string key;
        using (var created = await alice.PostAsync("/v1/api-keys", MaasApiServer.Json("""{"name":"k"}""")))
        {
            key = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;
        }

        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/v1/lookup/" + key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await alice.GetAsync("/maas-api/no/" + key + "/here")).StatusCode);
        Assert.Equal(0, await host.TerminateAsync(TimeSpan.FromSeconds(30)));

        var secret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
        var redactedScopes = 0;
        foreach (var line in host.Output)
        {
            Assert.DoesNotContain(secret, line, StringComparison.Ordinal);
            using var entry = JsonDocument.Parse(line);
            if (!entry.RootElement.TryGetProperty("Scopes", out var scopes))
            {
                continue;
            }

            foreach (var scope in scopes.EnumerateArray())
            {
                if (scope.ValueKind == JsonValueKind.Object && scope.TryGetProperty("RequestPath", out var path) && path.GetString()!.Contains("{credential}", StringComparison.Ordinal))
                {
                    redactedScopes++;
                    Assert.Contains("{credential}", scope.GetProperty("Message").GetString()!, StringComparison.Ordinal);
                    Assert.Contains(scopes.EnumerateArray(), s => s.ValueKind == JsonValueKind.Object && s.TryGetProperty("TraceId", out var traceId) && traceId.GetString()!.Length == 32);
                }
            }
        }

        Assert.True(redactedScopes >= 2, $"{redactedScopes} lines printed the request scope of the two unmatched paths");
    }
}
