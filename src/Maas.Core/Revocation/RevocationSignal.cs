namespace Maas.Revocation;

/// <summary>
/// The in-process channel on which revocations are announced: the service publishes its own,
/// shared stores publish those of other replicas, and validation caches subscribe.
/// </summary>
public sealed class RevocationSignal
{
    private readonly Lock _gate = new();
    private Action<RevocationEvent>[] _subscribers = [];

    /// <summary>Announces a revocation to every subscriber, synchronously.</summary>
    public void Publish(RevocationEvent revocation)
    {
        ArgumentNullException.ThrowIfNull(revocation);
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(revocation);
        }
    }

    /// <summary>Subscribes to revocations; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Action<RevocationEvent> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Subscription(this, subscriber);
    }

    private void Unsubscribe(Action<RevocationEvent> subscriber)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscriber);
        }
    }

    private sealed class Subscription(RevocationSignal signal, Action<RevocationEvent> subscriber) : IDisposable
    {
        public void Dispose() => signal.Unsubscribe(subscriber);
    }
}
