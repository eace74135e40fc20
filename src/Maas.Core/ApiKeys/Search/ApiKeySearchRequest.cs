namespace Maas.ApiKeys;

/// <summary>
/// A caller's key search, in the Go service's terms (<c>POST /v1/api-keys/search</c>): filters,
/// sort and pagination as sent. <see cref="MaasService.SearchApiKeysAsync"/> checks every part and
/// answers a bad one with <see cref="Errors.InvalidRequestException"/> naming the field.
/// </summary>
public sealed record ApiKeySearchRequest
{
    /// <summary>Gets whose keys to search: the caller's when <see langword="null"/>; someone else's (or, when empty, everyone's) only for an administrator.</summary>
    public string? Username { get; init; }

    /// <summary>Gets the statuses to find (<c>active</c>, <c>revoked</c>, <c>expired</c>); none means every status.</summary>
    public IReadOnlyList<string>? Statuses { get; init; }

    /// <summary>Gets labels every found key must carry with these values.</summary>
    public IReadOnlyDictionary<string, string>? LabelsContain { get; init; }

    /// <summary>Gets the sort field (<c>created_at</c>, the default; <c>expires_at</c>, <c>last_used_at</c>, <c>name</c>).</summary>
    public string? SortBy { get; init; }

    /// <summary>Gets the order, <c>asc</c> or <c>desc</c> (the default), in any case.</summary>
    public string? SortOrder { get; init; }

    /// <summary>Gets the page size: 1 to 100 (larger is capped at 100), 50 when <see langword="null"/>.</summary>
    public int? Limit { get; init; }

    /// <summary>Gets how many keys to skip; not with <see cref="Cursor"/>.</summary>
    public int? Offset { get; init; }

    /// <summary>Gets the opaque cursor of a previous answer (<see cref="ApiKeySearchResult.NextCursor"/>) to read the page after it.</summary>
    public string? Cursor { get; init; }
}
