using System.Text.Json.Nodes;
using Maas.Kubernetes.Models;
using Maas.Testing;
using Maas.Testing.Kubernetes;

namespace Maas.Kubernetes.Tests.Models;

/// <summary>
/// The fake API server with kubectl to apply KServe objects, and a way to wait (event-driven) until
/// the catalog has seen a change; gateway <c>maas-default-gateway</c> in <c>openshift-ingress</c>.
/// </summary>
internal sealed class KServeCluster : IAsyncDisposable
{
    public static readonly TimeSpan Patience = KubernetesTestCluster.Patience;
    public const string DirectGateway = """
          router:
            gateway:
              refs:
              - name: maas-default-gateway
                namespace: openshift-ingress
        """;

    private readonly TemporaryDirectory _directory = new();

    private KServeCluster(KubernetesTestCluster cluster)
    {
        Cluster = cluster;
        Kubectl = new Kubectl(cluster.Server.WriteKubeconfig(_directory.Path));
    }

    public KubernetesTestCluster Cluster { get; }

    public Kubectl Kubectl { get; }

    public static async Task<KServeCluster> StartAsync()
    {
        var cluster = new KubernetesTestCluster();
        await cluster.InitializeAsync();
        cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "llm" } });
        cluster.Server.Put(KubernetesResourceType.Namespaces, new JsonObject { ["metadata"] = new JsonObject { ["name"] = "other" } });
        return new KServeCluster(cluster);
    }

    public Task ApplyAsync(string yaml) => Kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], yaml);

    /// <summary>
    /// An LLMInferenceService manifest: <paramref name="router"/> is the indented <c>spec.router</c>
    /// block (or empty), <paramref name="status"/> the indented <c>status</c> body (or empty).
    /// </summary>
    public static string Service(string name, string ns = "llm", string? modelName = null, string router = DirectGateway, string? status = null, string annotations = "")
    {
        status ??= Status($"http://gateway.example/{ns}/{name}", $"http://{name}-kserve-workload-svc.{ns}.svc.cluster.local:8000", ready: true);
        return $"""
            apiVersion: serving.kserve.io/v1alpha1
            kind: LLMInferenceService
            metadata:
              name: {name}
              namespace: {ns}
              annotations:
                kserve.example/owner: tests
            {annotations}
            spec:
              model:
                uri: hf://{name}
            {(modelName is null ? "" : $"    name: {modelName}")}
            {router}
            status:
            {status}
            """;
    }

    public static string Status(string? url, string? address, bool ready) =>
        (url is null ? "" : $"  url: {url}\n")
        + (address is null ? "" : $"  address:\n    url: {address}\n")
        + $"  conditions:\n  - type: Ready\n    status: \"{(ready ? "True" : "False")}\"\n";

    // Runs the action, then waits until the condition holds (see KubernetesTestCluster.UntilAsync).
    public Task UntilAsync(LLMInferenceServiceCatalog catalog, Func<bool> condition, Func<Task> action) =>
        Cluster.UntilAsync(handler => catalog.Handled += handler, handler => catalog.Handled -= handler, condition, action);

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        _directory.Dispose();
    }
}
