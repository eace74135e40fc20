namespace Maas.Gateway.Limits;

/// <summary>One budget's state in its current period, for the <c>RateLimit</c> headers and <c>GET /v1/usage</c>.</summary>
/// <param name="Rule">The budget.</param>
/// <param name="State">Its limit, what the current period counted, the period's length and how long until it ends.</param>
internal readonly record struct BudgetState(BudgetRule Rule, LimitState State);
