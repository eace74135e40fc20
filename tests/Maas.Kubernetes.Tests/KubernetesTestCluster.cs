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
    /// <summary>How long a test waits for a watched source to reach a state before it fails.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

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

    /// <summary>
    /// Runs <paramref name="action"/>, then waits (event-driven; the timeout only guards a hang) until
    /// <paramref name="condition"/> holds. The watched source's <c>Handled</c> event, attached and
    /// detached through <paramref name="subscribe"/> and <paramref name="unsubscribe"/>, wakes the wait.
    /// </summary>
    public async Task UntilAsync(Action<Action> subscribe, Action<Action> unsubscribe, Func<bool> condition, Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(subscribe);
        ArgumentNullException.ThrowIfNull(unsubscribe);
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(action);
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (condition())
            {
                changed.TrySetResult();
            }
        }

        subscribe(Check);
        try
        {
            await action();
            using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(20));
            using var patience = new CancellationTokenSource(Patience);
            while (!condition())
            {
                // Watch events raise Handled; the timer notices state without an event (an open watch)
                // and moves the fake clock, on which a broken watch waits before it retries.
                var tick = poll.WaitForNextTickAsync(patience.Token).AsTask();
                await Task.WhenAny(changed.Task, tick);
                Time.Advance(TimeSpan.FromSeconds(1));
                if (patience.IsCancellationRequested)
                {
                    throw new TimeoutException("Waited in vain; the log: " + string.Join(" | ", Logs.GetSnapshot().Select(r => r.Message)));
                }
            }
        }
        finally
        {
            unsubscribe(Check);
        }
    }
}
