using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Maas.Testing;

namespace Maas.Api.Tests;

/// <summary>
/// Spans on the <c>Maas</c> activity source: one tree per request under ASP.NET Core's server span,
/// with issuance, validation (and its cache outcome) and every store call, and no secret anywhere.
/// </summary>
public sealed class TraceTests : IDisposable
{
    private static readonly ActivitySource Client = new("Maas.Api.Tests.Client");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ActivityListener _listener;

    public TraceTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Maas" or "Microsoft.AspNetCore" or "Maas.Api.Tests.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _stopped.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task Each_request_is_one_span_tree_with_cache_outcome_and_store_calls_and_no_secret()
    {
        await using var server = await MaasApiServer.StartAsync(configure: IntrospectionRequests.ConfigureClient);
        using var alice = server.CreateClient("alice", "system:authenticated");

        var (createTrace, created) = await SendAsync(alice, HttpMethod.Post, "/v1/api-keys", """{"name":"traced"}""");
        var key = JsonDocument.Parse(created).RootElement.GetProperty("token").GetString()!;
        var (issueTrace, issued) = await SendAsync(alice, HttpMethod.Post, "/v1/tokens", "{}");
        var token = JsonDocument.Parse(issued).RootElement.GetProperty("token").GetString()!;
        using var withKey = server.CreateBearerClient(key);
        var (firstUse, _) = await SendAsync(withKey, HttpMethod.Get, "/v1/models", null);
        var (secondUse, _) = await SendAsync(withKey, HttpMethod.Get, "/v1/models", null);

        var create = await TreeAsync(createTrace);
        var createSpan = Assert.Single(create, a => a.OperationName == "maas.create_api_key");
        var add = Assert.Single(create, a => a.OperationName == "store.add");
        Assert.Equal(createSpan.SpanId, add.ParentSpanId);

        var issue = await TreeAsync(issueTrace);
        var issueSpan = Assert.Single(issue, a => a.OperationName == "maas.issue_token");
        Assert.NotEqual(ActivityStatusCode.Error, issueSpan.Status);
        Assert.NotNull(issueSpan.GetTagItem("maas.tier"));

        var first = await TreeAsync(firstUse);
        var firstValidation = Assert.Single(first, a => a.OperationName == "maas.validate");
        Assert.Equal("miss", firstValidation.GetTagItem("maas.validation.cache"));
        Assert.Equal("api_key", firstValidation.GetTagItem("maas.credential.kind"));
        Assert.Equal("valid", firstValidation.GetTagItem("maas.validation.result"));
        Assert.Contains(first, a => a.OperationName == "store.find_by_hash" && a.ParentSpanId == firstValidation.SpanId);

        var second = await TreeAsync(secondUse);
        var secondValidation = Assert.Single(second, a => a.OperationName == "maas.validate");
        Assert.Equal("hit", secondValidation.GetTagItem("maas.validation.cache"));
        Assert.DoesNotContain(second, a => a.OperationName.StartsWith("store.", StringComparison.Ordinal));

        var secret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
        var signature = token[(token.LastIndexOf('.') + 1)..];
        foreach (var activity in create.Concat(issue).Concat(first).Concat(second))
        {
            foreach (var (name, value) in activity.TagObjects)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain(signature, text, StringComparison.Ordinal);
                Assert.DoesNotContain("Bearer", text, StringComparison.Ordinal);
                Assert.DoesNotContain("sk-maas-", text, StringComparison.Ordinal);
                Assert.NotEqual("alice", text);
                Assert.DoesNotContain("authorization", name, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    // Each request is sent inside its own client span, whose trace id HttpClient propagates
    // (traceparent), so the tree found by trace id is exactly this request's.
    private static async Task<(ActivityTraceId Trace, string Body)> SendAsync(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var span = Client.StartActivity("test request", ActivityKind.Client) ?? throw new InvalidOperationException("no listener");
        var trace = span.TraceId;
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = MaasApiServer.Json(json);
        }

        using var response = await client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {(int)response.StatusCode}");
        return (trace, await response.Content.ReadAsStringAsync());
    }

    // The server span stops just after the response is sent: wait for it, then check the tree's shape.
    private async Task<List<Activity>> TreeAsync(ActivityTraceId trace)
    {
        var started = Stopwatch.StartNew();
        while (!_stopped.Any(a => a.TraceId == trace && a.Source.Name == "Microsoft.AspNetCore") && started.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(10));
        }

        var spans = _stopped.Where(a => a.TraceId == trace && a.Source != Client).ToList();
        var root = Assert.Single(spans, a => a.Source.Name == "Microsoft.AspNetCore");
        Assert.Equal(ActivityKind.Server, root.Kind);
        var ids = spans.Select(a => a.SpanId).ToHashSet();
        Assert.DoesNotContain(root.ParentSpanId, ids);
        Assert.All(spans.Where(a => a != root), a => Assert.Contains(a.ParentSpanId, ids));
        Assert.All(spans.Where(a => a.Source.Name == "Maas"), a => Assert.Equal(root.TraceId, a.TraceId));
        return spans;
    }
}
