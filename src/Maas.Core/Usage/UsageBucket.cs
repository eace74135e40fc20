namespace Maas.Usage;

/// <summary>One user's usage in one period for one group, as <see cref="IUsageLedger.QueryAsync"/> sums it.</summary>
public sealed record UsageBucket
{
    /// <summary>Gets the start of the period (UTC).</summary>
    public required DateTimeOffset Start { get; init; }

    /// <summary>Gets the group: the model, the credential, or the label's value (<see langword="null"/> for calls without the label).</summary>
    public required string? Group { get; init; }

    /// <summary>Gets the calls of every outcome.</summary>
    public long Requests { get; init; }

    /// <summary>Gets the calls refused by a limit (of <see cref="Requests"/>).</summary>
    public long LimitedRequests { get; init; }

    /// <summary>Gets the calls the model failed (of <see cref="Requests"/>).</summary>
    public long FailedRequests { get; init; }

    /// <summary>Gets the prompt tokens.</summary>
    public long PromptTokens { get; init; }

    /// <summary>Gets the completion tokens.</summary>
    public long CompletionTokens { get; init; }

    /// <summary>Gets the prompt and completion tokens, saturating at <see cref="long.MaxValue"/>.</summary>
    public long TotalTokens => PromptTokens > long.MaxValue - CompletionTokens ? long.MaxValue : PromptTokens + CompletionTokens;
}
