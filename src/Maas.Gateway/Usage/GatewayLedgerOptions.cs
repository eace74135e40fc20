namespace Maas.Gateway.Usage;

/// <summary>
/// How the gateway records each call in the usage ledger (<see cref="Maas.Usage.IUsageLedger"/>, kept
/// by the key store): aggregated per hour in memory, written in batches. Binds from
/// <c>Maas:Gateway:Ledger</c>; validated at start.
/// </summary>
public sealed class GatewayLedgerOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Gateway:Ledger";

    /// <summary>Gets or sets whether calls are recorded in the ledger.</summary>
    /// <value>The default is <see langword="true"/>.</value>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Gets or sets how often the counts are written: what a crash (kill -9) may lose at most; a
    /// graceful stop writes everything. 100 ms to 1 minute.
    /// </summary>
    /// <value>The default is 1 second.</value>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Gets or sets the most rows (distinct hour, user, credential, tier, model and outcome) held in
    /// memory between writes, and again while the store is down: calls beyond it are not recorded and
    /// are counted on <c>maas.gateway.ledger.dropped</c>. 1,000 to 10,000,000.
    /// </summary>
    /// <value>The default is 100,000.</value>
    public int MaxPendingRows { get; set; } = 100_000;

    /// <summary>Gets or sets how long rows are kept; older hours are removed by a sweep every hour. 1 to 3,650 days.</summary>
    /// <value>The default is 400 days.</value>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(400);
}
