namespace Maas.Usage;

/// <summary>One group's usage over a whole report's range, as <see cref="IUsageLedger.ReportAsync"/> sums it over every user.</summary>
public sealed record UsageReportEntry
{
    /// <summary>Gets the group: the user, the model, the tier, or the label's value (<see langword="null"/> for calls without the label).</summary>
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

    /// <summary>Gets the prompt and completion tokens, saturating at <see cref="long.MaxValue"/>: what the report is ordered by.</summary>
    public long TotalTokens => PromptTokens > long.MaxValue - CompletionTokens ? long.MaxValue : PromptTokens + CompletionTokens;

    /// <summary>Gets where this entry stands in the report's order, for the cursor of the page it ends.</summary>
    public UsageReportPosition Position => new(TotalTokens, Group);
}
