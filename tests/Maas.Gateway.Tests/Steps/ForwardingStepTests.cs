using System.Text;
using Maas.Gateway.Diagnostics;
using Maas.Gateway.Steps;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The forwarding step: the call sent by YARP to the model without the caller's credential, its answer passed back; a 502 when the model cannot be reached.</summary>
public sealed class ForwardingStepTests
{
    [Fact]
    public async Task The_call_reaches_the_model_without_the_credential_and_its_answer_comes_back()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var key = await gateway.KeyAsync("alice");
        var call = await SettlingAsync(gateway, key);

        await StepCalls.RunAsync(call, StepCalls.Step<ForwardingStep>(gateway));

        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(StepCalls.ChatPath, forwarded.Path);
        Assert.False(forwarded.Headers.ContainsKey("Authorization"));
        Assert.DoesNotContain(forwarded.Headers.Values, value => value.Contains(key, StringComparison.Ordinal));
        Assert.Equal("alice", forwarded.Headers["X-MaaS-User"]);
        Assert.Equal(200, call.HttpContext.Response.StatusCode);
        Assert.Contains("hello there", Encoding.UTF8.GetString(((MemoryStream)call.HttpContext.Response.Body).ToArray()), StringComparison.Ordinal);
        Assert.Equal(200, call.UpstreamStatus);
        Assert.Equal(GatewayMetrics.Allowed, call.Outcome);
    }

    [Fact]
    public async Task A_model_that_cannot_be_reached_is_502_and_counted_as_an_upstream_error()
    {
        await using var gateway = await GatewayServer.StartAsync(new Uri("http://127.0.0.1:1/"));
        var call = await SettlingAsync(gateway, await gateway.TokenAsync());

        await StepCalls.RunAsync(call, StepCalls.Step<ForwardingStep>(gateway));

        StepCalls.AssertOpenAiError(call, 502, "upstream_unavailable");
        Assert.Null(call.UpstreamStatus);
        Assert.Equal(GatewayMetrics.UpstreamError, call.Outcome);
    }

    /// <summary>A call through every step before the forward, held inside the settlement step until the test is done with it.</summary>
    private static async Task<GatewayCallContext> SettlingAsync(GatewayServer gateway, string credential)
    {
        var call = StepCalls.New(gateway, credential, """{"model":"test/model","messages":[]}""");
        Assert.True(await StepCalls.RunAsync(call, [.. StepCalls.Checks(gateway), StepCalls.Step<LimitAcquisitionStep>(gateway)]));
        call.Metering = new Responses.UsageMeteringStream(call.HttpContext.Response.Body, isEventStream: false, dropUsageChunk: false, new UsageObserver());
        return call;
    }
}
