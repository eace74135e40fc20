using Maas.Usage;

namespace Maas.Storage;

/// <summary>
/// What a group of ledger rows counts as they are summed: calls of every outcome, the limited and the
/// failed among them, prompt and completion tokens, each saturating at <see cref="long.MaxValue"/>.
/// One source file compiled into the in-memory and the SQLite store, the sums of both
/// <see cref="UsageBuckets"/> (a user's history) and <see cref="UsageReportSums"/> (the report).
/// </summary>
internal sealed class UsageSums
{
    public long Requests { get; private set; }

    public long Limited { get; private set; }

    public long Failed { get; private set; }

    public long Prompt { get; private set; }

    public long Completion { get; private set; }

    /// <summary>Adds one row: its calls count in <see cref="Limited"/> or <see cref="Failed"/> too when its outcome is that.</summary>
    public void Add(UsageOutcome outcome, long requests, long prompt, long completion)
    {
        Requests = SaturatingAdd(Requests, requests);
        if (outcome == UsageOutcome.Limited)
        {
            Limited = SaturatingAdd(Limited, requests);
        }
        else if (outcome == UsageOutcome.UpstreamError)
        {
            Failed = SaturatingAdd(Failed, requests);
        }

        Prompt = SaturatingAdd(Prompt, prompt);
        Completion = SaturatingAdd(Completion, completion);
    }

    /// <summary>Adds a count of at least 0, saturating; a negative <paramref name="b"/> (never stored) is added as is, so a corrupt row shows.</summary>
    public static long SaturatingAdd(long a, long b) => b > 0 && a > long.MaxValue - b ? long.MaxValue : a + b;
}
