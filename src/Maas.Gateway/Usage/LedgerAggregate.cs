namespace Maas.Gateway.Usage;

/// <summary>
/// One row's counts since the last write, added by every call of its hour, user, credential, tier,
/// model and outcome without a lock: each count is a saturating compare-and-swap, and a writer
/// announces itself (<see cref="_writers"/>) so that the flusher retires a row of a past hour only
/// when no call is adding to it, then takes its last counts (<see cref="TryRetire"/>).
/// </summary>
internal sealed class LedgerAggregate(IReadOnlyDictionary<string, string> labels)
{
    private const int Retired = 1 << 30;

    private int _writers;
    private long _requests;
    private long _prompt;
    private long _completion;

    /// <summary>The key's labels (a key's never change, so the first call's are the row's).</summary>
    public IReadOnlyDictionary<string, string> Labels { get; } = labels;

    /// <summary>Adds one call; <see langword="false"/> when the row was retired (the caller adds to a new one).</summary>
    public bool TryAdd(long prompt, long completion)
    {
        if ((Interlocked.Increment(ref _writers) & Retired) != 0)
        {
            Interlocked.Decrement(ref _writers);
            return false;
        }

        SaturatingAdd(ref _requests, 1);
        SaturatingAdd(ref _prompt, prompt);
        SaturatingAdd(ref _completion, completion);
        Interlocked.Decrement(ref _writers);
        return true;
    }

    /// <summary>Takes the counts added since the last take (each count taken exactly once).</summary>
    public (long Requests, long Prompt, long Completion) Take() =>
        (Interlocked.Exchange(ref _requests, 0), Interlocked.Exchange(ref _prompt, 0), Interlocked.Exchange(ref _completion, 0));

    /// <summary>Retires the row when no call is adding to it; after that no call adds, so a last <see cref="Take"/> gets everything.</summary>
    public bool TryRetire() => Interlocked.CompareExchange(ref _writers, Retired, 0) == 0;

    private static void SaturatingAdd(ref long field, long value)
    {
        if (value == 0)
        {
            return;
        }

        var current = Volatile.Read(ref field);
        while (true)
        {
            var next = current > long.MaxValue - value ? long.MaxValue : current + value;
            var seen = Interlocked.CompareExchange(ref field, next, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
