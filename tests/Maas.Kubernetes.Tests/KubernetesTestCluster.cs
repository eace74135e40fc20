using k8s;
using Maas.Testing.Kubernetes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Kubernetes.Tests;

/// <summary>A fake API server, the real KubernetesClient pointed at it, a fake clock both share, and a log collector.</summary>
public sealed class KubernetesTestCluster : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeKubernetesApiServer Server { get; private set; } = null!;

    public IKubernetes Client { get; private set; } = null!;

    public FakeLogCollector Logs { get; } = new();

    public MaasKubernetesOptions Options { get; } = new() { InstanceName = "maas-api", Namespace = "maas-api" };

    public IOptions<MaasKubernetesOptions> WrappedOptions => Microsoft.Extensions.Options.Options.Create(Options);

    public async Task InitializeAsync()
    {
        Server = await FakeKubernetesApiServer.StartAsync(Time);
        Client = new k8s.Kubernetes(new KubernetesClientConfiguration { Host = Server.BaseAddress.ToString() });
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    public ILogger<T> Logger<T>() => new FakeLogger<T>(Logs);
}
