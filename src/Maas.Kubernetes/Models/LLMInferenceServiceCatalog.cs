using k8s;
using Maas.Kubernetes.Watching;
using Maas.Models;
using Maas.Tiers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Maas.Kubernetes.Models;

/// <summary>
/// The models of KServe <c>LLMInferenceService</c> objects attached to the configured gateway
/// (see <see cref="GatewayAttachment"/>), in every namespace, as the Go maas-api lists them; both
/// they and the HTTPRoutes are watched, so a model applied, edited or deleted shows in
/// <c>GET /v1/models</c> and the gateway's routes at once. An object that cannot be a model (no
/// URL yet, a malformed tiers annotation) is logged once per version and left out; the others
/// stay. An API-server outage keeps the last models; start-up fails when the first list does.
/// No model endpoint is ever called.
/// </summary>
internal sealed partial class LLMInferenceServiceCatalog : IWatchableModelCatalog, IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly ILogger _logger;
    private readonly GatewayAttachment _attachment;
    private readonly CustomResourceWatch _services;
    private readonly CustomResourceWatch _routes;
    private readonly Dictionary<(string Namespace, string Name), string?> _reported = [];
    private IReadOnlyList<ModelDescriptor> _models = [];
    private string _signature = "";
    private CancellationTokenSource _changed = new();

    public LLMInferenceServiceCatalog(IKubernetes client, IOptions<MaasKubernetesOptions> options, TimeProvider time, ILogger<LLMInferenceServiceCatalog> logger)
    {
        _logger = logger;
        _attachment = new GatewayAttachment(options.Value.GatewayName, options.Value.GatewayNamespace);
        _services = new CustomResourceWatch(client, CustomResourceType.LlmInferenceServices, _gate, Recompute, time, logger);
        _routes = new CustomResourceWatch(client, CustomResourceType.HttpRoutes, _gate, Recompute, time, logger);
        _services.Handled += () => Handled?.Invoke();
        _routes.Handled += () => Handled?.Invoke();
    }

    /// <summary>Raised after each list or watch event of either resource has been applied; tests wait on it.</summary>
    internal event Action? Handled;

    public IReadOnlyList<ModelDescriptor> Models => Volatile.Read(ref _models);

    public ValueTask<IReadOnlyList<ModelDescriptor>> ListAsync(Tier tier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tier);
        var models = Models;
        var visible = new List<ModelDescriptor>(models.Count);
        foreach (var model in models)
        {
            if (model.Tiers.Count == 0 || model.Tiers.Contains(tier.Name, StringComparer.Ordinal))
            {
                visible.Add(model);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ModelDescriptor>>(visible);
    }

    public IChangeToken GetChangeToken()
    {
        lock (_gate)
        {
            return new CancellationChangeToken(_changed.Token);
        }
    }

    /// <summary>Lists HTTPRoutes, then LLMInferenceServices (an API server that is wrong, unreachable or refuses stops start-up), then watches both.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _routes.StartAsync(cancellationToken).ConfigureAwait(false);
        await _services.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _services.StopAsync(cancellationToken).ConfigureAwait(false);
        await _routes.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
        _services.Dispose();
        _routes.Dispose();
        _changed.Dispose();
    }

    private void Recompute()
    {
        CancellationTokenSource? fired = null;
        List<ModelDescriptor> models = [];
        lock (_gate)
        {
            var ids = new HashSet<string>(StringComparer.Ordinal);
            foreach (var ((ns, name), service) in _services.Items.OrderBy(i => i.Key.Namespace, StringComparer.Ordinal).ThenBy(i => i.Key.Name, StringComparer.Ordinal))
            {
                if (!_attachment.IsAttached(service, _routes.Items))
                {
                    continue;
                }

                var model = LlmInferenceServiceModel.Read(service, out var problem);
                var version = service.Metadata.ResourceVersion;
                if (model is null || !ids.Add(model.Id))
                {
                    // Logged once per object version: a route event recomputes every model.
                    if (!_reported.TryGetValue((ns, name), out var reported) || reported != version)
                    {
                        _reported[(ns, name)] = version;
                        LogSkipped(_logger, ns, name, version, problem ?? $"another LLMInferenceService already serves the model id '{model!.Id}'");
                    }

                    continue;
                }

                _reported.Remove((ns, name));
                models.Add(model);
            }

            foreach (var gone in _reported.Keys.Where(k => !_services.Items.ContainsKey(k)).ToList())
            {
                _reported.Remove(gone);
            }

            var signature = Signature(models);
            if (signature != _signature)
            {
                _signature = signature;
                Volatile.Write(ref _models, models);
                fired = _changed;
                _changed = new CancellationTokenSource();
            }
        }

        if (fired is not null)
        {
            var ids = string.Join(", ", models.Select(m => m.Id));
            LogModels(_logger, models.Count, ids);

            // Not disposed: a reader may still hold a token of it.
            fired.Cancel();
        }
    }

    // What a change must differ in to rebuild routes and lists (route events often change nothing).
    private static string Signature(List<ModelDescriptor> models) => string.Join('\n', models.Select(m =>
        string.Join('\t', m.Id, m.OwnedBy, m.Created, m.Url, m.Upstream, m.Ready, m.Details?.DisplayName, m.Details?.Description, m.Details?.GenAIUse, string.Join(',', m.Tiers))));

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Models from LLMInferenceServices: {Count} ({Ids})")]
    private static partial void LogModels(ILogger logger, int count, string ids);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Warning, Message = "Skipped LLMInferenceService {Namespace}/{Name} at resource version {ResourceVersion}: {Reason}")]
    private static partial void LogSkipped(ILogger logger, string @namespace, string name, string? resourceVersion, string reason);
}
