using Maas.Gateway.Diagnostics;
using Maas.Gateway.Forwarding;
using Maas.Gateway.Responses;
using Microsoft.AspNetCore.Http;

namespace Maas.Gateway.Steps;

/// <summary>
/// One model call, start to end: the gateway's steps in order, each a singleton, chained once when
/// the runner is built (no delegate or closure per call), sharing one <see cref="GatewayCallContext"/>
/// per call. The order: the credential (<see cref="AuthenticationStep"/>), the body
/// (<see cref="BodyReadingStep"/>), the model and the tier's access (<see cref="ModelResolutionStep"/>),
/// the request against the model (<see cref="RequestCheckStep"/>), the host's own steps in the order
/// they were added, the limits (<see cref="LimitAcquisitionStep"/>), the settlement
/// (<see cref="SettlementStep"/>) and the forward (<see cref="ForwardingStep"/>).
/// </summary>
internal sealed class GatewayStepRunner
{
    private static readonly GatewayCallHandler End = static _ => ValueTask.CompletedTask;

    private readonly GatewayMetrics _metrics;
    private readonly GatewayCallHandler _first;

    public GatewayStepRunner(
        AuthenticationStep authentication,
        BodyReadingStep bodyReading,
        ModelResolutionStep modelResolution,
        RequestCheckStep requestCheck,
        IEnumerable<IGatewayStep> hostSteps,
        LimitAcquisitionStep limitAcquisition,
        SettlementStep settlement,
        ForwardingStep forwarding,
        GatewayMetrics metrics)
    {
        _metrics = metrics;
        IGatewayStep[] steps = [authentication, bodyReading, modelResolution, requestCheck, .. hostSteps, limitAcquisition, settlement, forwarding];
        Steps = steps;
        var next = End;
        for (var i = steps.Length - 1; i >= 0; i--)
        {
            next = Chain(steps[i], next);
        }

        _first = next;
    }

    /// <summary>The steps in the order they run.</summary>
    public IReadOnlyList<IGatewayStep> Steps { get; }

    public async Task RunAsync(HttpContext context, GatewayModel? pathModel, string upstreamPath, bool hasBody)
    {
        using var activity = GatewayTracing.StartForward();
        RequestIdHeader.Write(context);
        var call = new GatewayCallContext(context, activity, _metrics, pathModel, upstreamPath, hasBody);
        try
        {
            await _first(call).ConfigureAwait(false);
        }
        finally
        {
            call.Body?.Dispose();
            activity?.SetTag("http.response.status_code", context.Response.StatusCode);
        }
    }

    private static GatewayCallHandler Chain(IGatewayStep step, GatewayCallHandler proceed) => call => step.InvokeAsync(call, proceed);
}
