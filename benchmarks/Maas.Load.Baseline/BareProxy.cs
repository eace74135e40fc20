using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms;

namespace Maas.Load.Baseline;

/// <summary>
/// The floor of the data-plane load test: YARP with its defaults and nothing else (no credential check, no
/// tier, no limits, no header rewriting beyond YARP's own), so what Maas's gateway adds is measured against it.
/// </summary>
internal static class BareProxy
{
    public static IReadOnlyList<RouteConfig> Routes { get; } =
    [
        new RouteConfig
        {
            RouteId = "model",
            ClusterId = "upstream",
            Match = new RouteMatch { Path = "/llm/{model}/{**rest}" },
        }.WithTransformPathRouteValues("/{**rest}"),
    ];

    public static IReadOnlyList<ClusterConfig> Clusters(Uri upstream) =>
    [
        new ClusterConfig
        {
            ClusterId = "upstream",
            Destinations = new Dictionary<string, DestinationConfig> { ["upstream"] = new() { Address = upstream.ToString() } },
        },
    ];

    public static Uri? ParseUpstream(string[] args)
    {
        var index = Array.IndexOf(args, "--proxy-to");
        return index >= 0 && index + 1 < args.Length ? new Uri(args[index + 1]) : null;
    }
}
