namespace Maas.Gateway.Limits;

/// <summary>Whose budget a call draws on: one user within one tier, and optionally one model.</summary>
/// <param name="Tier">The caller's tier name.</param>
/// <param name="User">The caller's user name.</param>
/// <param name="Model">The model id when limits are counted per model; otherwise <see langword="null"/>.</param>
internal readonly record struct LimitPartition(string Tier, string User, string? Model)
{
    /// <summary>Returns the partition a call to <paramref name="model"/> draws on: per model only when <see cref="GatewayLimitOptions.PerModel"/> says so.</summary>
    public static LimitPartition For(string tier, string user, string model, GatewayLimitOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new(tier, user, options.PerModel ? model : null);
    }
}
