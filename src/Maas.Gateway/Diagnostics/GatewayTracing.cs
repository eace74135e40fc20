using System.Diagnostics;

namespace Maas.Gateway.Diagnostics;

/// <summary>
/// The gateway's span, <c>maas.gateway.forward</c> on the <c>Maas</c> activity source: one per model
/// call, from the credential check to the end of the answer, parent of the validation span and of
/// HttpClient's span for the call to the model. Tagged with the model, tier, outcome, limit outcome
/// and status code; never the user name or the credential.
/// </summary>
/// <remarks>
/// With no listener on the source, <see cref="ActivitySource.StartActivity(string, ActivityKind)"/>
/// returns <see langword="null"/> after one check of a field, and every tag below is skipped.
/// </remarks>
internal static class GatewayTracing
{
    /// <summary>The name of the span of one model call.</summary>
    public const string ForwardSpan = "maas.gateway.forward";

    /// <summary>The <c>Maas</c> activity source, the one Maas.Core's spans use (matched by name).</summary>
    public static ActivitySource Source { get; } = new("Maas");

    public static Activity? StartForward() => Source.StartActivity(ForwardSpan);

    /// <summary>Tags the call's outcome as the <c>maas.gateway.requests</c> counter counts it.</summary>
    public static void Outcome(Activity? activity, string tier, string model, string outcome)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("maas.tier", tier);
        activity.SetTag("maas.model", model);
        activity.SetTag("maas.gateway.outcome", outcome);
        if (outcome == GatewayMetrics.UpstreamError)
        {
            activity.SetStatus(ActivityStatusCode.Error, outcome);
        }
    }
}
