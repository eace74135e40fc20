using Maas.Gateway.Steps;

namespace Maas.Gateway.Tests.Steps;

/// <summary>The credential step: the bearer token or key validated in process, the caller and tier handed on, every failure a 401 that stops the call.</summary>
public sealed class AuthenticationStepTests
{
    private const string Json = """{"model":"test/model"}""";

    [Fact]
    public async Task A_valid_key_goes_on_with_its_user_and_tier()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, await gateway.KeyAsync("alice"), Json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<AuthenticationStep>(gateway));

        Assert.True(proceeded);
        Assert.Equal("alice", call.User.Name);
        Assert.Equal("free", call.Tier.Name);
        Assert.Equal("alice", call.HttpContext.User.Identity?.Name);
        Assert.Equal(200, call.HttpContext.Response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("sk-maas-notarealkey")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30.c2ln")]
    public async Task A_missing_or_invalid_credential_is_401_and_the_call_stops(string? credential)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, credential, Json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<AuthenticationStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 401, "invalid_api_key");
        Assert.Equal("Bearer", call.HttpContext.Response.Headers.WWWAuthenticate.ToString());
        Assert.Throws<InvalidOperationException>(() => call.User);
        Assert.Throws<InvalidOperationException>(() => call.Tier);
    }

    [Fact]
    public async Task A_revoked_key_is_401()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var alice = new Users.MaasUser("alice", ["system:authenticated"]);
        var created = await gateway.ApiKeys.CreateAsync(alice, new ApiKeys.ApiKeyRequest { Name = "k" });
        await gateway.ApiKeys.RevokeAsync(alice, created.Record.Id);
        var call = StepCalls.New(gateway, created.Key, Json);

        var proceeded = await StepCalls.RunAsync(call, StepCalls.Step<AuthenticationStep>(gateway));

        Assert.False(proceeded);
        StepCalls.AssertOpenAiError(call, 401, "invalid_api_key");
    }
}
