using Maas.ApiKeys;
using Maas.Gateway.Usage;
using Maas.Models;
using Maas.Tiers;
using Maas.Users;

namespace Maas.SelfService.Pages;

/// <summary>
/// The caller's use of their limits in the current windows, as <c>GET /v1/usage</c> reports it
/// (<see cref="UsageReader"/>): one report, or one per model the tier may use when limits are counted per model.
/// </summary>
internal static class CurrentUsage
{
    /// <summary>What the list and the usage screen say when the counters cannot be read.</summary>
    public const string Unreachable = "The usage counters cannot be reached right now; reload the page in a moment.";

    /// <summary>Reads the reports, or says why it could not (the counters down).</summary>
    public static async Task<(IReadOnlyList<UsageReport> Reports, string? Failure)> ReadAsync(
        IModelCatalog models, UsageReader reader, MaasUser caller, Tier tier, CancellationToken cancellationToken)
    {
        try
        {
            if (!reader.PerModel)
            {
                return ([await reader.ReadAsync(caller, tier, null, cancellationToken).ConfigureAwait(false)], null);
            }

            var reports = new List<UsageReport>();
            foreach (var model in await models.ListAsync(tier, cancellationToken).ConfigureAwait(false))
            {
                reports.Add(await reader.ReadAsync(caller, tier, model.Id, cancellationToken).ConfigureAwait(false));
            }

            return (reports, null);
        }
        catch (StoreUnavailableException)
        {
            return ([], Unreachable);
        }
    }
}
