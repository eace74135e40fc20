using Maas.Durations;

namespace Maas.ApiKeys;

/// <summary>
/// How expired ephemeral keys are swept (<c>Maas:ApiKeys:Ephemeral</c>). The later Go service deletes
/// them 30 minutes after expiry from a CronJob every 15 minutes; these are its numbers.
/// </summary>
public sealed class EphemeralKeyOptions
{
    /// <summary>Gets or sets how often the sweep runs; 0s turns it off (the internal cleanup endpoint still sweeps).</summary>
    /// <value>The default is 15 minutes; at most 24 hours.</value>
    public GoDuration SweepInterval { get; set; } = GoDuration.FromMinutes(15);

    /// <summary>Gets or sets how long after expiry an ephemeral key is kept (its record still answers "expired").</summary>
    /// <value>The default is 30 minutes; at most 30 days.</value>
    public GoDuration Grace { get; set; } = GoDuration.FromMinutes(30);

    /// <summary>Gets or sets the most keys one delete removes; a sweep repeats full batches, up to 100 of them.</summary>
    /// <value>The default is 1,000; 1 to 100,000.</value>
    public int BatchSize { get; set; } = 1000;
}
