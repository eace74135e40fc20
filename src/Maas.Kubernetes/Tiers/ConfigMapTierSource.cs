using k8s;
using k8s.Models;
using Maas.Kubernetes.Watching;
using Maas.Tiers;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Maas.Kubernetes.Tiers;

/// <summary>
/// The tiers of the <c>tier-to-group-mapping</c> ConfigMap, watched: an edit applies at once, without
/// a restart. A broken edit, or the ConfigMap's deletion, keeps the last good tiers and logs why.
/// Until a good ConfigMap has been read, the configured tiers (<see cref="MaasOptions.Tiers"/>) apply.
/// </summary>
internal sealed partial class ConfigMapTierSource : ResourceWatch<V1ConfigMap>, ITierResolver
{
    private readonly IKubernetes _client;
    private readonly MaasKubernetesOptions _options;
    private readonly IReadOnlyList<Tier> _configured;
    private volatile IReadOnlyList<Tier> _tiers;

    public ConfigMapTierSource(IKubernetes client, IOptions<MaasKubernetesOptions> options, IOptions<MaasOptions> maas, TimeProvider time, ILogger<ConfigMapTierSource> logger)
        : base(time, logger, $"ConfigMap {options.Value.Namespace}/{options.Value.TierConfigMapName}")
    {
        _client = client;
        _options = options.Value;
        _configured = [.. maas.Value.Tiers];
        _tiers = _configured;
    }

    public IReadOnlyList<Tier> Tiers => _tiers;

    public Tier? Resolve(IReadOnlyList<string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var tiers = _tiers;
        Tier? best = null;
        foreach (var tier in tiers)
        {
            // Highest level wins; among equal levels the first listed.
            if ((best is null || tier.Level > best.Level) && tier.Groups.Any(groups.Contains))
            {
                best = tier;
            }
        }

        return best;
    }

    protected override async Task<(IList<V1ConfigMap> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        var list = await _client.CoreV1.ListNamespacedConfigMapAsync(_options.Namespace, fieldSelector: NameSelector, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (list.Items ?? [], list.Metadata?.ResourceVersion);
    }

    protected override IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Item)> WatchAsync(string resourceVersion, Action<Exception> onError, CancellationToken cancellationToken) =>
        _client.CoreV1.WatchListNamespacedConfigMapAsync(_options.Namespace, fieldSelector: NameSelector, resourceVersion: resourceVersion, allowWatchBookmarks: true, onError: onError, cancellationToken: cancellationToken);

    protected override void Replace(IList<V1ConfigMap> items)
    {
        var map = items.FirstOrDefault(i => i.Metadata?.Name == _options.TierConfigMapName);
        if (map is null)
        {
            LogMissing(Logger, What, _tiers.Count);
            return;
        }

        Apply(WatchEventType.Added, map);
    }

    protected override void Apply(WatchEventType type, V1ConfigMap item)
    {
        if (type == WatchEventType.Deleted)
        {
            LogMissing(Logger, What, _tiers.Count);
            return;
        }

        try
        {
            string? yaml = null;
            item.Data?.TryGetValue("tiers", out yaml);
            var tiers = TierMappingYaml.Parse(yaml, _options, _configured);
            _tiers = tiers;
            var names = string.Join(", ", tiers.Select(t => t.Name));
            LogApplied(Logger, What, item.Metadata?.ResourceVersion, tiers.Count, names);
        }
        catch (FormatException ex)
        {
            LogRejected(Logger, What, item.Metadata?.ResourceVersion, ex.Message, _tiers.Count);
        }
    }

    private string NameSelector => $"metadata.name={_options.TierConfigMapName}";

    [LoggerMessage(EventId = 3301, Level = LogLevel.Information, Message = "Tiers from {What} (resource version {ResourceVersion}): {Count} tiers ({Names})")]
    private static partial void LogApplied(ILogger logger, string what, string? resourceVersion, int count, string names);

    [LoggerMessage(EventId = 3302, Level = LogLevel.Error, Message = "Ignored {What} at resource version {ResourceVersion}: {Reason}; keeping the last good {Count} tiers")]
    private static partial void LogRejected(ILogger logger, string what, string? resourceVersion, string reason, int count);

    [LoggerMessage(EventId = 3303, Level = LogLevel.Warning, Message = "{What} does not exist; keeping the current {Count} tiers")]
    private static partial void LogMissing(ILogger logger, string what, int count);
}
