using Maas.Gateway.Limits;
using Maas.Tiers;
using Maas.Users;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Usage;

/// <summary>
/// Reads what a user used of their tier's limits in the current windows, without counting anything:
/// what <c>GET /v1/usage</c> answers, for a host that shows it in its own pages to a caller signed in
/// some other way than with a Maas credential. Registered by <c>AddMaasGateway()</c>.
/// </summary>
public sealed class UsageReader
{
    private readonly ILimitCounter _counter;
    private readonly GatewayLimitOptions _limits;
    private readonly TimeProvider _time;

    internal UsageReader(ILimitCounter counter, IOptions<GatewayLimitOptions> limitOptions, TimeProvider time)
    {
        _counter = counter;
        _limits = limitOptions.Value;
        _time = time;
    }

    /// <summary>Gets whether limits are counted per model (<see cref="GatewayLimitOptions.PerModel"/>), so each report names one model.</summary>
    public bool PerModel => _limits.PerModel;

    /// <summary>
    /// Reads <paramref name="user"/>'s use of <paramref name="tier"/>'s limits; <paramref name="model"/>
    /// is required when <see cref="PerModel"/> is set and ignored otherwise.
    /// </summary>
    /// <exception cref="ArgumentException">Limits are counted per model and no model was named.</exception>
    /// <exception cref="Maas.ApiKeys.StoreUnavailableException">The shared counters (Redis) cannot be reached.</exception>
    public ValueTask<UsageReport> ReadAsync(MaasUser user, Tier tier, string? model, CancellationToken cancellationToken = default) =>
        ReadWithKeyAsync(user, tier, model, null, null, cancellationToken);

    /// <summary>
    /// Reads as <see cref="ReadAsync(MaasUser, Tier, string?, CancellationToken)"/>, and, for an API key with
    /// its own limits, the key's own windows and budgets after the tier's budgets (named <c>key-…</c>):
    /// both are shown, since either may refuse the next call.
    /// </summary>
    internal async ValueTask<UsageReport> ReadWithKeyAsync(MaasUser user, Tier tier, string? model, string? keyId, Maas.ApiKeys.ApiKeyLimits? keyLimits, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(tier);
        if (_limits.PerModel && string.IsNullOrEmpty(model))
        {
            throw new ArgumentException("Limits are counted per model here: name the model.", nameof(model));
        }

        var partition = LimitPartition.For(tier.Name, user.Name, model ?? "", _limits);
        var reading = await _counter.ReadWithKeyAsync(partition, tier.Limits, keyId, keyLimits, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var budgets = new BudgetUsage[reading.Budgets.Length];
        for (var i = 0; i < budgets.Length; i++)
        {
            budgets[i] = BudgetUsage.From(reading.Budgets[i], now);
        }

        return new UsageReport
        {
            User = user.Name,
            Tier = tier.Name,
            Model = partition.Model,
            Requests = LimitUsage.From(reading.Requests, now),
            Tokens = LimitUsage.From(reading.Tokens, now),
            Budgets = budgets,
        };
    }
}
