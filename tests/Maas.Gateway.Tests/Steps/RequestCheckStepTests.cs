using Maas.Gateway.Steps;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The request step: no copy of the credential in the body and a <c>max_tokens</c> within the model's bound, before anything is counted.</summary>
public sealed class RequestCheckStepTests
{
    [Fact]
    public async Task A_call_within_the_models_bound_goes_on_with_the_bound_known()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models[0].MaxTokens = 100);
        var call = await ResolvedAsync(gateway, await gateway.TokenAsync(), """{"model":"test/model","max_tokens":100}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<RequestCheckStep>(gateway));

        Assert.True(proceeded);
        Assert.Equal(100, call.CompletionBound);
    }

    [Fact]
    public async Task Without_a_bound_of_its_own_the_model_gets_the_gateways()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, forwarding: f => f.MaxTokens = 5000);
        var call = await ResolvedAsync(gateway, await gateway.TokenAsync(), """{"model":"test/model"}""");

        Assert.True(await StepCalls.RunAsync(call, StepCalls.Step<RequestCheckStep>(gateway)));
        Assert.Equal(5000, call.CompletionBound);
    }

    [Theory]
    [InlineData("max_tokens")]
    [InlineData("max_completion_tokens")]
    public async Task A_max_tokens_over_the_models_bound_is_400_naming_the_member(string member)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models[0].MaxTokens = 100);
        var call = await ResolvedAsync(gateway, await gateway.TokenAsync(), $$"""{"model":"test/model","{{member}}":101}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<RequestCheckStep>(gateway));

        Assert.False(proceeded);
        var error = StepCalls.AssertOpenAiError(call, 400, "invalid_value");
        Assert.Equal(member, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task A_body_carrying_the_callers_credential_is_400()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var key = await gateway.KeyAsync();
        var call = await ResolvedAsync(gateway, key, $$"""{"model":"test/model","prompt":"my key is {{key}}"}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<RequestCheckStep>(gateway));

        Assert.False(proceeded);
        var error = StepCalls.AssertOpenAiError(call, 400, "bad_request");
        Assert.DoesNotContain(key, error.ToString(), StringComparison.Ordinal);
    }

    private static async Task<GatewayCallContext> ResolvedAsync(GatewayServer gateway, string credential, string json)
    {
        var call = StepCalls.New(gateway, credential, json);
        Assert.True(await StepCalls.RunAsync(call, StepCalls.Step<AuthenticationStep>(gateway), StepCalls.Step<BodyReadingStep>(gateway), StepCalls.Step<ModelResolutionStep>(gateway)));
        return call;
    }
}
