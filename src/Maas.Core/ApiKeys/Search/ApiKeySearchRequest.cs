using Maas.Administration;

namespace Maas.ApiKeys;

/// <summary>
/// A caller's key search, typed: filters, sort and pagination (a host reads them from its wire
/// format, such as the Go service's <c>POST /v1/api-keys/search</c> body).
/// <see cref="KeyAdministrationService.SearchAsync"/> checks every part and answers a bad one with
/// <see cref="Errors.InvalidRequestException"/> naming the field.
/// </summary>
public sealed record ApiKeySearchRequest
{
    /// <summary>Gets whose keys to search: the caller's when <see langword="null"/>; someone else's (or, when empty, everyone's) only for an administrator.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the statuses to find; empty (the default) means every status.</summary>
    public IReadOnlyCollection<ApiKeyStatus> Statuses { get; init; } = [];

    /// <summary>Gets labels every found key must carry with these values.</summary>
    public IReadOnlyDictionary<string, string>? LabelsContain { get; init; }

    /// <summary>Gets the sort field.</summary>
    /// <value>The default is <see cref="ApiKeySortField.CreatedAt"/>.</value>
    public ApiKeySortField SortBy { get; init; } = ApiKeySortField.CreatedAt;

    /// <summary>Gets the direction of the order.</summary>
    /// <value>The default is <see cref="ApiKeySortOrder.Descending"/>.</value>
    public ApiKeySortOrder SortOrder { get; init; } = ApiKeySortOrder.Descending;

    /// <summary>Gets the page size: 1 to 100 (larger is capped at 100), 50 when <see langword="null"/>.</summary>
    public int? Limit { get; init; }

    /// <summary>Gets how many keys to skip; not with <see cref="Cursor"/>.</summary>
    public int? Offset { get; init; }

    /// <summary>Gets the opaque cursor of a previous answer (<see cref="ApiKeySearchResult.NextCursor"/>) to read the page after it.</summary>
    public string? Cursor { get; init; }

    /// <summary>Gets whether ephemeral keys are found too (the later Go service's <c>filters.includeEphemeral</c>); by default they are left out.</summary>
    public bool IncludeEphemeral { get; init; }

    /// <summary>
    /// Gets the subscription the found keys are bound to (the later Go service's <c>filters.subscription</c>),
    /// or <see langword="null"/> (or blank) for any. Over the caller's own keys for anyone; over others' keys, as any search, for administrators only.
    /// </summary>
    public string? Subscription { get; init; }
}
