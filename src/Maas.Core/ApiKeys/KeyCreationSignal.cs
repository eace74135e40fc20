namespace Maas.ApiKeys;

/// <summary>
/// The in-process channel on which new API keys are announced by the hash of their secret: the
/// service publishes its own, shared stores publish those created on other replicas, and the
/// validator adds them to its membership filter, so a new key validates on every replica.
/// </summary>
public sealed class KeyCreationSignal
{
    private readonly Lock _gate = new();
    private Action<ReadOnlyMemory<byte>>[] _subscribers = [];

    /// <summary>Announces a new key's hash to every subscriber, synchronously.</summary>
    public void Publish(ReadOnlyMemory<byte> hash)
    {
        foreach (var subscriber in Volatile.Read(ref _subscribers))
        {
            subscriber(hash);
        }
    }

    /// <summary>Subscribes to new keys; dispose the result to unsubscribe.</summary>
    public IDisposable Subscribe(Action<ReadOnlyMemory<byte>> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_gate)
        {
            _subscribers = [.. _subscribers, subscriber];
        }

        return new Subscription(this, subscriber);
    }

    private void Unsubscribe(Action<ReadOnlyMemory<byte>> subscriber)
    {
        lock (_gate)
        {
            _subscribers = Array.FindAll(_subscribers, s => s != subscriber);
        }
    }

    private sealed class Subscription(KeyCreationSignal signal, Action<ReadOnlyMemory<byte>> subscriber) : IDisposable
    {
        public void Dispose() => signal.Unsubscribe(subscriber);
    }
}
