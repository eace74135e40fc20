using System.ComponentModel.DataAnnotations;
using Maas.Durations;

namespace Maas.Validation;

/// <summary>
/// How in-process validation remembers answers. Binds from <c>Maas:Validation</c>. Revocations
/// always reach the caches at once, whatever these settings say.
/// </summary>
public sealed class ValidationOptions
{
    /// <summary>
    /// Gets or sets the most entries each cache holds (verified tokens, API keys by hash, owners'
    /// revocation instants); beyond it the least recently added half is dropped.
    /// </summary>
    /// <value>The default is 100,000 entries per cache; at least 2, so a cache keeps two generations.</value>
    [Range(ValidationOptionsValidator.MinimumCapacity, int.MaxValue)]
    public int CacheCapacity { get; set; } = 100_000;

    /// <summary>
    /// Gets or sets how long "no such key" is remembered for a well-formed key (one with a valid
    /// checksum) the store does not know, so a repeated unknown key does not reach the store again.
    /// </summary>
    /// <value>The default is 30 seconds.</value>
    public GoDuration NegativeCacheDuration { get; set; } = GoDuration.FromTimeSpan(TimeSpan.FromSeconds(30));

    /// <summary>
    /// Gets or sets how often the instants at which keys were last used are written to the store,
    /// in one batch; a key used many times in between costs one write.
    /// </summary>
    /// <value>The default is 10 seconds.</value>
    public GoDuration UsageFlushInterval { get; set; } = GoDuration.FromTimeSpan(TimeSpan.FromSeconds(10));
}
