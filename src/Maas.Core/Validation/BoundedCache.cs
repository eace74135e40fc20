using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace Maas.Validation;

/// <summary>
/// A concurrent cache that never holds more than <see cref="Capacity"/> entries: two generations
/// of half the capacity each; when the current one is full it becomes the previous one and the
/// old previous one is dropped whole. A hit in the previous generation copies the entry forward,
/// so entries in use survive. Reads take no lock; only the rare generation switch does.
/// </summary>
/// <remarks>
/// Values are compared by reference (<see cref="Remove(TKey, TValue)"/>), so use classes that do
/// not override equality.
/// </remarks>
internal sealed class BoundedCache<TKey, TValue>
    where TKey : notnull
    where TValue : class
{
    private readonly int _generationCapacity;
    private readonly IEqualityComparer<TKey>? _comparer;
    private readonly Lock _gate = new();
    private Generation _current;
    private Generation _previous;

    public BoundedCache(int capacity, IEqualityComparer<TKey>? comparer = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _generationCapacity = capacity / 2;
        _comparer = comparer;
        _current = new Generation(comparer);
        _previous = new Generation(comparer);
    }

    /// <summary>Gets the most entries the cache holds.</summary>
    public int Capacity => _generationCapacity * 2;

    /// <summary>Gets the number of entries now (for tests and diagnostics; it takes locks).</summary>
    public int Count => Volatile.Read(ref _current).Map.Count + Volatile.Read(ref _previous).Map.Count;

    public bool TryGet(TKey key, [MaybeNullWhen(false)] out TValue value)
    {
        if (Volatile.Read(ref _current).Map.TryGetValue(key, out value))
        {
            return true;
        }

        if (Volatile.Read(ref _previous).Map.TryGetValue(key, out value))
        {
            Set(key, value);
            return true;
        }

        return false;
    }

    /// <summary>Adds or replaces the entry of <paramref name="key"/>, dropping the oldest generation when full.</summary>
    public void Set(TKey key, TValue value)
    {
        while (true)
        {
            var generation = Volatile.Read(ref _current);

            // Reserve a slot first, so the generation never holds more than its share, even
            // with many writers at once.
            if (Interlocked.Increment(ref generation.Count) > _generationCapacity)
            {
                Interlocked.Decrement(ref generation.Count);
                Rotate(generation);
                continue;
            }

            while (true)
            {
                if (generation.Map.TryAdd(key, value))
                {
                    return;
                }

                if (generation.Map.TryGetValue(key, out var existing) && generation.Map.TryUpdate(key, value, existing))
                {
                    Interlocked.Decrement(ref generation.Count);
                    return;
                }
            }
        }
    }

    /// <summary>Removes the entry of <paramref name="key"/> only if it is still <paramref name="value"/>.</summary>
    public void Remove(TKey key, TValue value)
    {
        var pair = new KeyValuePair<TKey, TValue>(key, value);
        Remove(Volatile.Read(ref _current), pair);
        Remove(Volatile.Read(ref _previous), pair);
    }

    /// <summary>Drops every entry.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            Volatile.Write(ref _previous, new Generation(_comparer));
            Volatile.Write(ref _current, new Generation(_comparer));
        }
    }

    private static void Remove(Generation generation, KeyValuePair<TKey, TValue> pair)
    {
        if (generation.Map.TryRemove(pair))
        {
            Interlocked.Decrement(ref generation.Count);
        }
    }

    private void Rotate(Generation full)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_current, full))
            {
                Volatile.Write(ref _previous, full);
                Volatile.Write(ref _current, new Generation(_comparer));
            }
        }
    }

    private sealed class Generation(IEqualityComparer<TKey>? comparer)
    {
        public readonly ConcurrentDictionary<TKey, TValue> Map = new(comparer);
        public int Count;
    }
}
