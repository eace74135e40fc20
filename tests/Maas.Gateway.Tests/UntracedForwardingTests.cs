using System.Net;
using Microsoft.Extensions.Logging;

namespace Maas.Gateway.Tests;

/// <summary>
/// With no tracer listening, the call to the model carries no span of the gateway's making: the
/// caller's own <c>traceparent</c> reaches the model unchanged, and a caller that sends none sends
/// none to it, even though ASP.NET Core starts an activity per request for its log scopes.
/// Runs apart from <see cref="TracingTests"/>, whose listener would make the calls traced.
/// </summary>
[Collection(nameof(TracingTests))]
public sealed class UntracedForwardingTests
{
    [Fact]
    public async Task Untraced_calls_pass_the_callers_trace_headers_to_the_model_unchanged()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(
            upstream.BaseAddress,
            builderConfigure: b =>
            {
                // Any enabled logger makes ASP.NET Core start its per-request activity.
                b.Logging.AddFakeLogging();
                b.Logging.SetMinimumLevel(LogLevel.Warning);
            });
        var key = await gateway.KeyAsync("tracy");
        using var client = gateway.Client(key);

        const string CallerTrace = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00";
        using (var traced = new HttpRequestMessage(HttpMethod.Post, $"{GatewayServer.ModelPath}/v1/chat/completions"))
        {
            traced.Content = new StringContent("""{"model":"test/model"}""");
            traced.Headers.TryAddWithoutValidation("traceparent", CallerTrace);
            traced.Headers.TryAddWithoutValidation("tracestate", "vendor=1");
            using var response = await client.SendAsync(traced);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using (var plain = await client.PostAsync($"{GatewayServer.ModelPath}/v1/chat/completions", new StringContent("""{"model":"test/model"}""")))
        {
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        }

        var requests = upstream.Requests.ToArray();
        Assert.Equal(2, requests.Length);
        Assert.Equal(CallerTrace, requests[0].Headers["traceparent"]);
        Assert.Equal("vendor=1", requests[0].Headers["tracestate"]);
        Assert.False(requests[1].Headers.ContainsKey("traceparent"));
    }
}
