namespace Maas.Gateway.Limits;

/// <summary>What <see cref="ILimitCounter.ReadAsync"/> read: both limits' state and each budget's.</summary>
internal readonly struct LimitReading(LimitState requests, LimitState tokens, BudgetState[] budgets)
{
    /// <summary>Gets the request limit's state.</summary>
    public LimitState Requests { get; } = requests;

    /// <summary>Gets the token limit's state.</summary>
    public LimitState Tokens { get; } = tokens;

    /// <summary>Gets each budget's state, in the order of the tier's rules; empty when it sets none.</summary>
    public BudgetState[] Budgets { get; } = budgets;

    /// <summary>Deconstructs into both limits' state.</summary>
    public void Deconstruct(out LimitState requests, out LimitState tokens)
    {
        requests = Requests;
        tokens = Tokens;
    }
}
