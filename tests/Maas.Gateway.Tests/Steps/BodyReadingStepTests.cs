using Maas.Gateway.Steps;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The body step: the body read whole and parsed for what the gateway needs; a 400 or 413 that stops the call otherwise.</summary>
public sealed class BodyReadingStepTests
{
    [Fact]
    public async Task A_JSON_call_is_read_whole_and_its_model_stream_and_max_tokens_handed_on()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        const string json = """{"model":"test/model","stream":true,"max_tokens":16}""";
        var call = StepCalls.New(gateway, null, json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<BodyReadingStep>(gateway));

        Assert.True(proceeded);
        Assert.NotNull(call.Body);
        Assert.Equal("test/model", call.Request.Model);
        Assert.True(call.Request.Stream);
        Assert.Equal(16, call.Request.MaxTokens);
        Assert.True(call.DropUsageChunk);
    }

    [Fact]
    public async Task A_call_without_a_body_goes_on_without_reading_one()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, null, json: null);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<BodyReadingStep>(gateway));

        Assert.True(proceeded);
        Assert.Null(call.Body);
        Assert.Null(call.Request.Model);
    }

    [Theory]
    [InlineData("model=test/model&prompt=hi")]
    [InlineData("[1,2]")]
    [InlineData("")]
    [InlineData("""{"model":42}""")]
    [InlineData("""{"model":"test/model","max_tokens":-1}""")]
    public async Task A_body_that_is_not_an_OpenAI_call_is_400_and_the_call_stops(string json)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, null, json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<BodyReadingStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 400, "bad_request");
    }

    [Fact]
    public async Task A_body_over_1_MiB_is_413_and_the_call_stops()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, null, $$"""{"model":"test/model","prompt":"{{new string('a', 1024 * 1024)}}"}""");

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<BodyReadingStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 413, "request_too_large");
        Assert.Null(call.Body);
    }
}
