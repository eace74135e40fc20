using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using Maas.Gateway.Steps;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests.Steps;

/// <summary>
/// A host's own step (<see cref="IGatewayStep"/>, <c>AddMaasGatewayStep</c>): it runs after the
/// credential, body, model and tier were checked and before the limits, in the order steps were
/// added, sees the caller, tier and model, and a call it refuses is an OpenAI-shaped error that
/// costs no request and no token and never reaches the model.
/// </summary>
public sealed class HostStepTests
{
    private const string ChatBody = """{"model":"test/model","messages":[],"max_tokens":10}""";

    [Fact]
    public async Task A_host_step_sees_the_caller_tier_and_model_before_anything_is_counted()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: Add<Observing>);
        using var client = gateway.Client(await gateway.KeyAsync("alice"));

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(gateway.Services.GetRequiredService<Journal>().Entries);
        Assert.Equal("observing alice free test/model acquired=0", seen);
        Assert.Single(gateway.Counter.Acquired);
        Assert.Single(upstream.Requests);
    }

    [Fact]
    public async Task A_call_a_host_step_refuses_is_an_OpenAI_error_that_costs_nothing_and_never_reaches_the_model()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: Add<Refusing>);
        using var client = gateway.Client(await gateway.KeyAsync("alice"));

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("Alice may not call test/model today.", error.GetProperty("message").GetString());
        Assert.Equal("permission_error", error.GetProperty("type").GetString());
        Assert.Equal("blocked_by_policy", error.GetProperty("code").GetString());
        Assert.Empty(upstream.Requests);
        Assert.Empty(gateway.Counter.Acquired);
        Assert.Empty(gateway.Counter.Settled);

        // Nothing counted: the caller's usage shows no request and no token.
        using var usage = JsonDocument.Parse(await client.GetStringAsync("/v1/usage"));
        Assert.Equal(0, usage.RootElement.GetProperty("requests").GetProperty("used").GetInt64());
        Assert.Equal(0, usage.RootElement.GetProperty("tokens").GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task Host_steps_run_in_the_order_they_were_added_and_a_step_added_twice_runs_once()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: builder =>
        {
            Add<Observing>(builder);
            Add<Marking>(builder);
            Add<Observing>(builder);
        });
        using var client = gateway.Client(await gateway.TokenAsync("bob"));

        using var response = await client.PostAsync("/v1/chat/completions", new StringContent(ChatBody));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["observing bob free test/model acquired=0", "marking"], gateway.Services.GetRequiredService<Journal>().Entries);
    }

    [Fact]
    public async Task The_gateway_runs_its_steps_in_order_with_the_hosts_between_the_checks_and_the_limits()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: builder =>
        {
            Add<Observing>(builder);
            Add<Marking>(builder);
        });

        var steps = gateway.Services.GetRequiredService<GatewayStepRunner>().Steps.Select(step => step.GetType().Name);

        Assert.Equal(
            ["AuthenticationStep", "BodyReadingStep", "ModelResolutionStep", "RequestCheckStep", "Observing", "Marking", "LimitAcquisitionStep", "SettlementStep", "ForwardingStep"],
            steps);
    }

    [Theory]
    [InlineData(200)]
    [InlineData(302)]
    [InlineData(399)]
    [InlineData(600)]
    public async Task A_refusal_must_be_an_error_status(int status)
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var call = StepCalls.New(gateway, null, null);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await call.RefuseAsync(status, "no", "permission_error", "blocked"));
        Assert.Equal(200, call.HttpContext.Response.StatusCode);
    }

    private static void Add<TStep>(WebApplicationBuilder builder)
        where TStep : class, IGatewayStep
    {
        builder.Services.AddSingleton<Journal>();
        builder.Services.AddMaas().AddMaasGatewayStep<TStep>();
    }

    /// <summary>What the host steps saw, in order.</summary>
    private sealed class Journal
    {
        public ConcurrentQueue<string> Entries { get; } = new();
    }

    private sealed class Observing(Journal journal) : IGatewayStep
    {
        public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
        {
            var acquired = ((RecordingLimitCounter)context.HttpContext.RequestServices.GetRequiredService<Gateway.Limits.ILimitCounter>()).Acquired.Count;
            journal.Entries.Enqueue($"observing {context.User.Name} {context.Tier.Name} {context.Model.Id} acquired={acquired}");
            return proceed(context);
        }
    }

    private sealed class Marking(Journal journal) : IGatewayStep
    {
        public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed)
        {
            journal.Entries.Enqueue("marking");
            return proceed(context);
        }
    }

    private sealed class Refusing : IGatewayStep
    {
        public ValueTask InvokeAsync(GatewayCallContext context, GatewayCallHandler proceed) =>
            context.RefuseAsync(StatusCodes.Status403Forbidden, $"Alice may not call {context.Model.Id} today.", "permission_error", "blocked_by_policy");
    }
}
