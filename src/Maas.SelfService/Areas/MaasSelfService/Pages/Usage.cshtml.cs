using Maas.ApiKeys;
using Maas.Errors;
using Maas.Gateway.Usage;
using Maas.Tiers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/usage</c>: the caller's limits and what is left of them now (the current windows, as
/// <c>GET /v1/usage</c> reports them), and their last 30 days from the usage ledger as charts per model and
/// per key with the same numbers in tables; <c>?show=requests</c> counts calls instead of tokens. Read-only,
/// and only the caller's own usage.
/// </summary>
internal sealed class UsageModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    public Tier? Tier { get; private set; }

    public string? TierFailure { get; private set; }

    /// <summary>Gets whether the gateway runs in this host (and counts the current windows).</summary>
    public bool GatewayRunning => Services.Usage is not null;

    /// <summary>The caller's limits, and what is left of each now when counted here.</summary>
    public IReadOnlyList<LimitLine> Limits { get; private set; } = [];

    public string? LimitsFailure { get; private set; }

    public UsageMetric Metric { get; private set; }

    /// <summary>Why <c>show</c> was refused, when it was.</summary>
    public string? MetricRefusal { get; private set; }

    /// <summary>Gets whether the store keeps a usage ledger; without one there is no history to show.</summary>
    public bool HasLedger => Services.Ledger is not null;

    public UsageHistoryView? History { get; private set; }

    public string? HistoryFailure { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? show, CancellationToken cancellationToken)
    {
        switch (show)
        {
            case null or "" or "tokens":
                Metric = UsageMetric.Tokens;
                break;
            case "requests":
                Metric = UsageMetric.Requests;
                break;
            default:
                Response.StatusCode = StatusCodes.Status400BadRequest;
                MetricRefusal = "The charts show tokens or requests: tokens are shown.";
                break;
        }

        try
        {
            Tier = Services.Tiers.GetTier(SignedIn);
        }
        catch (NoTierException ex)
        {
            TierFailure = ex.Message;
        }

        if (Tier is { } tier)
        {
            if (Services.Usage is { } reader)
            {
                var (reports, failure) = await CurrentUsage.ReadAsync(Services.Models, reader, SignedIn, tier, cancellationToken).ConfigureAwait(false);
                Limits = [.. reports.SelectMany(LimitLine.Of)];
                LimitsFailure = failure;
            }
            else
            {
                Limits = [.. LimitLine.Of(tier)];
            }
        }

        if (Services.Ledger is { } ledger)
        {
            try
            {
                var keys = await Services.ApiKeys.ListAsync(SignedIn, cancellationToken).ConfigureAwait(false);
                History = await UsageHistoryView.ReadAsync(ledger, SignedIn, keys, Metric, Services.Now, cancellationToken).ConfigureAwait(false);
            }
            catch (StoreUnavailableException)
            {
                HistoryFailure = "The usage ledger cannot be reached right now; reload the page in a moment.";
            }
        }

        return Page();
    }
}
