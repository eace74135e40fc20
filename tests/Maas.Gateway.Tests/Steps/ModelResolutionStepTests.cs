using Maas.Gateway.Forwarding;
using Maas.Gateway.Steps;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The model step: the URL's or the body's model, served here and allowed to the caller's tier, else a 400, 403 or 404 that stops the call.</summary>
public sealed class ModelResolutionStepTests
{
    [Fact]
    public async Task The_body_model_is_resolved_when_the_tier_may_use_it()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AuthenticatedAsync(gateway, """{"model":"test/model"}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<ModelResolutionStep>(gateway));

        Assert.True(proceeded);
        Assert.Equal(GatewayServer.ModelId, call.Model.Id);
    }

    [Fact]
    public async Task The_URL_model_is_resolved_when_the_body_names_none_or_the_same()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var urlModel = gateway.Services.GetRequiredService<GatewayModels>().Find(GatewayServer.ModelId);

        foreach (var json in new[] { "{}", """{"model":"test/model"}""" })
        {
            var call = await AuthenticatedAsync(gateway, json, urlModel);
            Assert.True(await StepCalls.RunAsync(call, StepCalls.Step<ModelResolutionStep>(gateway)));
            Assert.Equal(GatewayServer.ModelId, call.Model.Id);
        }
    }

    [Theory]
    [InlineData("""{"messages":[]}""", 400, "bad_request")]
    [InlineData("""{"model":""}""", 400, "bad_request")]
    [InlineData("""{"model":"no/such-model"}""", 404, "model_not_found")]
    public async Task A_missing_or_unknown_model_stops_the_call(string json, int status, string code)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = await AuthenticatedAsync(gateway, json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<ModelResolutionStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, status, code);
        Assert.Throws<InvalidOperationException>(() => call.Model);
    }

    [Fact]
    public async Task A_body_naming_another_model_than_the_URL_is_400()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var urlModel = gateway.Services.GetRequiredService<GatewayModels>().Find(GatewayServer.ModelId);
        var call = await AuthenticatedAsync(gateway, """{"model":"other/model"}""", urlModel);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<ModelResolutionStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 400, "bad_request");
    }

    [Fact]
    public async Task A_model_the_callers_tier_may_not_use_is_403()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models[0].Tiers.Add("premium"));
        var call = await AuthenticatedAsync(gateway, """{"model":"test/model"}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<ModelResolutionStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 403, "model_not_allowed");
        Assert.Throws<InvalidOperationException>(() => call.Model);
    }

    private static async Task<GatewayCallContext> AuthenticatedAsync(GatewayServer gateway, string json, GatewayModel? urlModel = null)
    {
        var call = StepCalls.New(gateway, await gateway.TokenAsync(), json, urlModel);
        Assert.True(await StepCalls.RunAsync(call, StepCalls.Step<AuthenticationStep>(gateway), StepCalls.Step<BodyReadingStep>(gateway)));
        return call;
    }
}
