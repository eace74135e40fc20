namespace Maas.Gateway.Usage;

/// <summary>
/// What the gateway exports of each settled call besides the usage ledger, for a deployment's own
/// pipeline: per-user counters under Limitador's names for the Prometheus dashboards of the Go
/// maas-api's deployment, and one OpenTelemetry log record per call. Both off by default. Binds from
/// <c>Maas:Gateway:UsageExport</c>; validated at start.
/// </summary>
public sealed class GatewayUsageExportOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas:Gateway:UsageExport";

    /// <summary>
    /// Gets or sets whether the gateway keeps per-user counters on the <c>Maas</c> meter under the
    /// names Limitador exports: <c>authorized_calls</c> (admitted calls), <c>authorized_hits</c>
    /// (the LLM tokens they were settled with, as a TokenRateLimitPolicy counts them) and
    /// <c>limited_calls</c> (calls a limit refused), labelled <c>user</c> (the authenticated name),
    /// <c>tier</c> and <c>model</c>; never a key id or a secret. Each label set is a series kept for
    /// the process's life, so <see cref="MaxUserSeries"/> bounds them.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool UserCounters { get; set; }

    /// <summary>
    /// Gets or sets the most distinct user, tier and model combinations the per-user counters keep:
    /// calls of a new combination beyond it are counted under <c>user</c>, <c>tier</c> and
    /// <c>model</c> all <c>(overflow)</c>, and the gateway logs once that the bound was reached.
    /// 1 to 100,000; above 1,999 the host raises OpenTelemetry's cardinality limit of the three
    /// instruments (2,000 by default) to at least this plus 2.
    /// </summary>
    /// <value>The default is 1,000.</value>
    public int MaxUserSeries { get; set; } = 1_000;

    /// <summary>
    /// Gets or sets whether each settled call is logged as one structured event (event id 8040,
    /// <c>UsageRecorded</c>, category <c>Maas.Gateway.UsageRecords</c>, Information) with the user,
    /// credential kind and key id (never the secret), tier, model, requests, prompt and completion
    /// tokens and outcome, in the call's trace: what an OpenTelemetry logging provider exports, so a
    /// collector can carry usage to the pipeline a deployment already runs.
    /// </summary>
    /// <value>The default is <see langword="false"/>.</value>
    public bool LogRecords { get; set; }
}
