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

    /// <summary>HttpClient's activity source (matched by name): whether anything traces the call to the model.</summary>
    private static readonly ActivitySource HttpClientSource = new("System.Net.Http");

    public static Activity? StartForward() => Source.StartActivity(ForwardSpan);

    /// <summary>
    /// Clears <see cref="Activity.Current"/> for the call to the model when nothing traces it, and
    /// returns the activity to put back afterwards (<see langword="null"/> when nothing was cleared).
    /// </summary>
    /// <remarks>
    /// When no tracer listens, ASP.NET Core still starts a bare activity per request for log
    /// correlation (its source has no name), and HttpClient starts a child of any current activity,
    /// tags it and injects a new <c>traceparent</c>: about 0.7 KB and a few microseconds per call
    /// (benchmarks/load), for a span nobody records. Without a current activity the model receives
    /// the caller's own trace headers as YARP copies them. A span started for a listener (ours or
    /// ASP.NET Core's) is left alone, and so is any call HttpClient's source is listened on.
    /// </remarks>
    public static Activity? DetachUntraced()
    {
        var current = Activity.Current;
        if (current is null || current.Source.Name.Length > 0 || HttpClientSource.HasListeners())
        {
            return null;
        }

        Activity.Current = null;
        return current;
    }

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
