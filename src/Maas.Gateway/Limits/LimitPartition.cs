namespace Maas.Gateway.Limits;

/// <summary>Whose budget a call draws on: one user within one tier, and optionally one model.</summary>
/// <param name="Tier">The caller's tier name.</param>
/// <param name="User">The caller's user name.</param>
/// <param name="Model">The model id when limits are counted per model; otherwise <see langword="null"/>.</param>
internal readonly record struct LimitPartition(string Tier, string User, string? Model);
