using System.Collections.Frozen;
using Maas.Models;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Maas.Gateway.Forwarding;

/// <summary>
/// The catalog models that have an upstream, by id. A catalog that changes at run time
/// (<see cref="IWatchableModelCatalog"/>, for example models discovered on a cluster) is followed:
/// each change builds a new snapshot and fires <see cref="GetChangeToken"/>, which rebuilds the
/// gateway's per-model routes. Otherwise the configured models (<c>Maas:Models</c>) are read once.
/// </summary>
internal sealed class GatewayModels : IDisposable
{
    private readonly ILogger _logger;
    private readonly IDisposable? _following;
    private readonly Lock _gate = new();
    private volatile Snapshot _current;
    private CancellationTokenSource _changed = new();

    public GatewayModels(IOptions<MaasOptions> options, IModelCatalog catalog, ILogger<GatewayModels> logger)
    {
        _logger = logger;
        if (catalog is IWatchableModelCatalog watchable)
        {
            _current = Build(watchable.Models);
            _following = ChangeToken.OnChange(watchable.GetChangeToken, () => Replace(watchable.Models));
        }
        else
        {
            _current = Build([.. options.Value.Models]);
        }
    }

    public IReadOnlyList<GatewayModel> All => _current.Models;

    public GatewayModel? Find(string id) => _current.ById.GetValueOrDefault(id);

    /// <summary>Returns a token that fires once when the models next change.</summary>
    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    public void Dispose()
    {
        _following?.Dispose();
        _changed.Dispose();
    }

    private void Replace(IReadOnlyList<ModelDescriptor> descriptors)
    {
        var snapshot = Build(descriptors);
        CancellationTokenSource fired;
        lock (_gate)
        {
            _current = snapshot;
            fired = _changed;
            _changed = new CancellationTokenSource();
        }

        Log.ModelsChanged(_logger, snapshot.Models.Count);
        // Not disposed: a reader may still hold a token of it.
        fired.Cancel();
    }

    private Snapshot Build(IReadOnlyList<ModelDescriptor> descriptors)
    {
        var models = new List<GatewayModel>();
        var byId = new Dictionary<string, GatewayModel>(StringComparer.Ordinal);
        var byPath = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var descriptor in descriptors)
        {
            if (descriptor.Upstream is null)
            {
                continue;
            }

            if (byId.ContainsKey(descriptor.Id))
            {
                Log.DuplicateModel(_logger, descriptor.Id);
                continue;
            }

            var routePath = descriptor.Url is { } url ? ModelAddress.PathOf(url) : null;
            if (routePath is "/")
            {
                routePath = null;
            }
            else if (routePath is not null && byPath.TryGetValue(routePath, out var other))
            {
                // Two endpoints on one path would make every call to it ambiguous (a 500).
                Log.DuplicateRoutePath(_logger, descriptor.Id, routePath, other);
                routePath = null;
            }
            else if (routePath is not null && !Routable(routePath))
            {
                Log.UnroutablePath(_logger, descriptor.Id, routePath);
                routePath = null;
            }

            if (routePath is not null)
            {
                byPath[routePath] = descriptor.Id;
            }

            var model = new GatewayModel(descriptor, routePath);
            models.Add(model);
            byId[descriptor.Id] = model;
        }

        return new Snapshot(models, byId.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static bool Routable(string path)
    {
        try
        {
            return RoutePatternFactory.Parse(path).Parameters.Count == 0;
        }
        catch (RoutePatternException)
        {
            return false;
        }
    }

    private sealed record Snapshot(IReadOnlyList<GatewayModel> Models, FrozenDictionary<string, GatewayModel> ById);
}
