using Maas.Models;

namespace Maas.Gateway.Forwarding;

/// <summary>A catalog model the gateway serves: its id, the path its routes live under, and where its calls go.</summary>
internal sealed class GatewayModel(ModelDescriptor descriptor, string? routePath)
{
    private string? _destination;

    public ModelDescriptor Descriptor { get; } = descriptor;

    public string Id => Descriptor.Id;

    /// <summary>Gets the path of the model's public URL (<c>/llm/my-model</c>), or <see langword="null"/> when it has none.</summary>
    public string? RoutePath { get; } = routePath;

    /// <summary>
    /// The upstream as YARP's destination prefix (no trailing slash). A path-only upstream is
    /// resolved once against <paramref name="ownAddress"/>, the address this host listens on, never
    /// against the request's Host header, which the caller controls.
    /// </summary>
    public string Destination(Func<Uri> ownAddress)
    {
        if (_destination is { } known)
        {
            return known;
        }

        var upstream = Descriptor.Upstream!;
        var absolute = ModelAddress.IsPathOnly(upstream)
            ? new Uri(ownAddress(), ModelAddress.PathOf(upstream))
            : upstream;
        _destination = absolute.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return _destination;
    }
}
