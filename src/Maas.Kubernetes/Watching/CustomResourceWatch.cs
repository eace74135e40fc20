using System.Runtime.CompilerServices;
using System.Text.Json;
using k8s;
using Microsoft.Extensions.Logging;

namespace Maas.Kubernetes.Watching;

/// <summary>
/// Every object of one custom resource type across the cluster, kept current in <see cref="Items"/>
/// (list, then watch; see <see cref="ResourceWatch{T}"/>); <paramref name="changed"/> runs after each
/// list and each change. Read <see cref="Items"/> under <paramref name="gate"/>.
/// </summary>
internal sealed class CustomResourceWatch(IKubernetes client, CustomResourceType resource, Lock gate, Action changed, TimeProvider time, ILogger logger)
    : ResourceWatch<CustomResource>(time, logger, $"{resource} in every namespace")
{
    public Dictionary<(string Namespace, string Name), CustomResource> Items { get; } = [];

    protected override async Task<(IList<CustomResource> Items, string? ResourceVersion)> ListAsync(CancellationToken cancellationToken)
    {
        using var response = await client.CustomObjects.ListClusterCustomObjectWithHttpMessagesAsync<CustomResourceList>(
            resource.Group, resource.Version, resource.Plural, cancellationToken: cancellationToken).ConfigureAwait(false);
        return (response.Body?.Items ?? [], response.Body?.Metadata?.ResourceVersion);
    }

    // The typed watch extension over a list call is obsolete; the untyped watch yields each object as
    // JSON, read here into the same type the list gives.
    protected override async IAsyncEnumerable<(WatchEventType Type, CustomResource Item)> WatchAsync(string resourceVersion, Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var events = client.CustomObjects.WatchListClusterCustomObjectAsync(
            resource.Group, resource.Version, resource.Plural, allowWatchBookmarks: true, resourceVersion: resourceVersion, onError: onError, cancellationToken: cancellationToken);
        await foreach (var (type, item) in events.ConfigureAwait(false))
        {
            yield return (type, KubernetesJson.Deserialize<CustomResource>(item is JsonElement json ? json.GetRawText() : KubernetesJson.Serialize(item)));
        }
    }

    protected override void Replace(IList<CustomResource> items)
    {
        lock (gate)
        {
            Items.Clear();
            foreach (var item in items)
            {
                Items[item.Key] = item;
            }
        }

        changed();
    }

    protected override void Apply(WatchEventType type, CustomResource item)
    {
        lock (gate)
        {
            if (type == WatchEventType.Deleted)
            {
                Items.Remove(item.Key);
            }
            else
            {
                Items[item.Key] = item;
            }
        }

        changed();
    }
}
