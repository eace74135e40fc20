using Maas.Durations;
using Maas.Gateway.Steps;
using Maas.Tiers;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The limits step: both limits acquired with the call's token estimate, or a 429 (or 503) that stops the call.</summary>
public sealed class LimitAcquisitionStepTests
{
    private static void OneTier(MaasOptions options, int requests) => options.Tiers.Add(new Tier
    {
        Name = "small",
        Groups = ["system:authenticated"],
        Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = 1000 },
    });

    [Fact]
    public async Task An_admitted_call_reserves_its_prompt_and_completion_budget_in_the_callers_partition()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 5));
        const string json = """{"model":"test/model","max_tokens":50}""";
        var call = await CheckedAsync(gateway, json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<LimitAcquisitionStep>(gateway));

        Assert.True(proceeded);
        var (partition, estimate, decision) = Assert.Single(gateway.Counter.Acquired);
        Assert.Equal(("small", "alice"), (partition.Tier, partition.User));
        Assert.Equal(((json.Length + 3) / 4) + 50, estimate);
        Assert.Same(decision, call.Decision);
        Assert.NotNull(call.Decision!.Reservation);
    }

    [Fact]
    public async Task A_call_past_the_request_limit_is_429_with_Retry_After_and_the_call_stops()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => OneTier(o, requests: 1));
        Assert.True(await StepCalls.RunAsync(await CheckedAsync(gateway, """{"model":"test/model"}"""), StepCalls.Step<LimitAcquisitionStep>(gateway)));
        var call = await CheckedAsync(gateway, """{"model":"test/model"}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<LimitAcquisitionStep>(gateway));

        Assert.False(proceeded);
        var error = StepCalls.AssertOpenAiError(call, 429, "rate_limit_exceeded");
        Assert.Equal("requests", error.GetProperty("type").GetString());
        Assert.Equal("120", call.HttpContext.Response.Headers.RetryAfter.ToString());
        Assert.Null(call.Decision);
    }

    private static async Task<GatewayCallContext> CheckedAsync(GatewayServer gateway, string json)
    {
        var call = StepCalls.New(gateway, await gateway.TokenAsync("alice"), json);
        Assert.True(await StepCalls.RunAsync(call, StepCalls.Checks(gateway)));
        return call;
    }
}
