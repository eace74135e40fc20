using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Maas.Durations;
using Maas.Gateway.Diagnostics;
using Maas.Tiers;

namespace Maas.Gateway.Tests;

/// <summary>
/// The gateway's span for a model call (<c>maas.gateway.forward</c> on the <c>Maas</c> source): under
/// ASP.NET Core's server span, parent of the validation and of the HTTP call to the model, tagged
/// with model, tier, outcome, limit outcome and status, never with the user or the credential.
/// </summary>
[Collection(nameof(TracingTests))]
public sealed class TracingTests : IDisposable
{
    private static readonly ActivitySource Client = new("Maas.Gateway.Tests.Client");
    private readonly ConcurrentQueue<Activity> _stopped = new();
    private readonly ConcurrentDictionary<ActivityTraceId, TaskCompletionSource<Activity>> _forwards = new();
    private readonly ActivityListener _listener;

    public TracingTests()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Maas" or "Microsoft.AspNetCore" or "System.Net.Http" or "Maas.Gateway.Tests.Client",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                _stopped.Enqueue(activity);
                if (activity.OperationName == GatewayTracing.ForwardSpan)
                {
                    Forward(activity.TraceId).TrySetResult(activity);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    [Fact]
    public async Task A_model_call_is_one_forward_span_parent_of_validation_and_upstream_call_with_no_user_or_credential()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = 1, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 },
        }));
        var key = await gateway.KeyAsync("dave");
        using var client = gateway.Client(key);

        var allowedTrace = await CallAsync(client, HttpStatusCode.OK);
        var limitedTrace = await CallAsync(client, HttpStatusCode.TooManyRequests);

        var allowed = await Forward(allowedTrace).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("test/model", allowed.GetTagItem("maas.model"));
        Assert.Equal("small", allowed.GetTagItem("maas.tier"));
        Assert.Equal("allowed", allowed.GetTagItem("maas.gateway.outcome"));
        Assert.Equal("allowed", allowed.GetTagItem("maas.limit.outcome"));
        Assert.Equal(200, allowed.GetTagItem("http.response.status_code"));
        Assert.NotEqual(ActivityStatusCode.Error, allowed.Status);
        Assert.Equal(allowedTrace, allowed.TraceId);
        // The gateway's server span (the upstream, a server in this process too, has its own below).
        Assert.Single(_stopped, a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server && a.SpanId == allowed.ParentSpanId);
        Assert.Single(_stopped, a => a.OperationName == "maas.validate" && a.ParentSpanId == allowed.SpanId);
        Assert.Single(_stopped, a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == allowed.SpanId);

        var limited = await Forward(limitedTrace).Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal("limited", limited.GetTagItem("maas.gateway.outcome"));
        Assert.Equal("requests", limited.GetTagItem("maas.limit.outcome"));
        Assert.Equal(429, limited.GetTagItem("http.response.status_code"));
        Assert.DoesNotContain(_stopped, a => a.Source.Name == "System.Net.Http" && a.ParentSpanId == limited.SpanId);

        var secret = key[(key.IndexOf('_', StringComparison.Ordinal) + 1)..];
        foreach (var activity in _stopped.Where(a => (a.TraceId == allowedTrace || a.TraceId == limitedTrace) && a.Source.Name is "Maas"))
        {
            foreach (var (name, value) in activity.TagObjects)
            {
                var text = Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? "";
                Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
                Assert.DoesNotContain("sk-maas-", text, StringComparison.Ordinal);
                Assert.DoesNotContain("Bearer", text, StringComparison.Ordinal);
                Assert.DoesNotContain("dave", text, StringComparison.Ordinal);
                Assert.DoesNotContain("authorization", name, StringComparison.OrdinalIgnoreCase);
            }
        }
    }

    public void Dispose() => _listener.Dispose();

    private TaskCompletionSource<Activity> Forward(ActivityTraceId trace) =>
        _forwards.GetOrAdd(trace, static _ => new TaskCompletionSource<Activity>(TaskCreationOptions.RunContinuationsAsynchronously));

    // Each call is sent inside its own client span, whose trace id HttpClient propagates (traceparent).
    private static async Task<ActivityTraceId> CallAsync(HttpClient client, HttpStatusCode expected)
    {
        using var span = Client.StartActivity("test call", ActivityKind.Client) ?? throw new InvalidOperationException("no listener");
        using var response = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model"}"""));
        Assert.Equal(expected, response.StatusCode);
        return span.TraceId;
    }
}
