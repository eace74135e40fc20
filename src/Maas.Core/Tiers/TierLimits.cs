using Maas.Durations;

namespace Maas.Tiers;

/// <summary>The limits a gateway enforces for the members of a tier.</summary>
public sealed class TierLimits
{
    /// <summary>Gets or sets how many requests are allowed per <see cref="Window"/>.</summary>
    public int Requests { get; set; }

    /// <summary>Gets or sets the window the request limit applies to.</summary>
    /// <value>The default is 2 minutes.</value>
    public GoDuration Window { get; set; } = GoDuration.FromMinutes(2);

    /// <summary>Gets or sets how many LLM tokens per minute the tier may consume.</summary>
    public long TokensPerMinute { get; set; }

    /// <summary>
    /// Gets the tier's budgets over long periods (a day, a week, a month or a Go duration), at most
    /// one per period, enforced beside <see cref="Requests"/> and <see cref="TokensPerMinute"/>.
    /// </summary>
    /// <value>The default is none.</value>
    public IList<TierBudget> Budgets { get; init; } = [];
}
