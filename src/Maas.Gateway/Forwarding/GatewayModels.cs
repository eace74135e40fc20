using System.Collections.Frozen;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Forwarding;

/// <summary>The models of the configured catalog (<c>Maas:Models</c>) that have an upstream, by id.</summary>
internal sealed class GatewayModels
{
    private readonly FrozenDictionary<string, GatewayModel> _byId;

    public GatewayModels(IOptions<MaasOptions> options)
    {
        var models = new List<GatewayModel>();
        foreach (var descriptor in options.Value.Models)
        {
            if (descriptor.Upstream is null)
            {
                continue;
            }

            var routePath = descriptor.Url is { } url ? ModelAddress.PathOf(url) : null;
            models.Add(new GatewayModel(descriptor, routePath is "/" ? null : routePath));
        }

        All = models;
        _byId = models.ToFrozenDictionary(m => m.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<GatewayModel> All { get; }

    public GatewayModel? Find(string id) => _byId.GetValueOrDefault(id);
}
