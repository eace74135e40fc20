using System.Text;
using Maas.Gateway.Steps;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The settlement step: an admitted call's reservation settled exactly once, with the answer's usage when it showed one, whatever happened to the call.</summary>
public sealed class SettlementStepTests
{
    [Fact]
    public async Task An_answer_with_usage_settles_the_call_once_with_that_usage()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AdmittedAsync(gateway);

        await StepCalls.RunAsync(call, StepCalls.Step<SettlementStep>(gateway), new Answering(200, """{"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"""));

        var (reservation, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Same(call.Decision!.Reservation, reservation);
        Assert.Equal(12, actual);
    }

    [Fact]
    public async Task A_2xx_JSON_answer_without_usage_settles_the_reservation()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AdmittedAsync(gateway);

        await StepCalls.RunAsync(call, StepCalls.Step<SettlementStep>(gateway), new Answering(200, """{"id":"x"}"""));

        var (_, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(call.Decision!.Reservation!.Reserved, actual);
    }

    [Fact]
    public async Task A_failed_answer_without_usage_costs_nothing()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AdmittedAsync(gateway);

        await StepCalls.RunAsync(call, StepCalls.Step<SettlementStep>(gateway), new Answering(500, """{"error":{}}"""));

        var (_, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(0, actual);
    }

    [Fact]
    public async Task A_call_that_throws_after_it_was_admitted_is_still_settled_and_the_exception_goes_on()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AdmittedAsync(gateway);

        await Assert.ThrowsAsync<InvalidOperationException>(() => StepCalls.RunAsync(call, StepCalls.Step<SettlementStep>(gateway), new Throwing()));

        var (_, actual) = Assert.Single(gateway.Counter.Settled);
        Assert.Equal(0, actual);
    }

    private static async Task<GatewayCallContext> AdmittedAsync(GatewayServer gateway)
    {
        var call = StepCalls.New(gateway, await gateway.TokenAsync(), """{"model":"test/model","max_tokens":20}""");
        Assert.True(await StepCalls.RunAsync(call, [.. StepCalls.Checks(gateway), StepCalls.Step<LimitAcquisitionStep>(gateway)]));
        return call;
    }

    /// <summary>Stands for the forward: an upstream answer of <paramref name="status"/> written through the call's metering stream.</summary>
    private sealed class Answering(int status, string json) : IGatewayStep
    {
        public async ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
        {
            context.UpstreamStatus = status;
            context.HttpContext.Response.StatusCode = status;
            var metering = context.Metering!;
            await metering.WriteAsync(Encoding.UTF8.GetBytes(json));
            await metering.CompleteAsync(CancellationToken.None);
        }
    }

    private sealed class Throwing : IGatewayStep
    {
        public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed) => throw new InvalidOperationException("forward failed");
    }
}
