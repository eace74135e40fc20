namespace Maas.Gateway.Usage;

/// <summary>One user's use of their tier's two limits in the current windows, and of its budgets in their current periods, as <see cref="UsageReader"/> read it.</summary>
public sealed class UsageReport
{
    /// <summary>Gets the user whose budget this is.</summary>
    public required string User { get; init; }

    /// <summary>Gets the name of the tier whose limits apply.</summary>
    public required string Tier { get; init; }

    /// <summary>Gets the model the budget belongs to when limits are counted per model; otherwise <see langword="null"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the request limit's state.</summary>
    public required LimitUsage Requests { get; init; }

    /// <summary>Gets the LLM-token limit's state.</summary>
    public required LimitUsage Tokens { get; init; }

    /// <summary>Gets each of the tier's budgets in its current period; empty when the tier sets none.</summary>
    public IReadOnlyList<BudgetUsage> Budgets { get; init; } = [];
}
