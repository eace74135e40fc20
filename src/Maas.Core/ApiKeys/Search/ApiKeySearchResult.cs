namespace Maas.ApiKeys;

/// <summary>A page of a key search, with the cursor of the next page when there is one.</summary>
/// <param name="Keys">The keys found, in order.</param>
/// <param name="HasMore">Whether more keys match after these.</param>
/// <param name="NextCursor">An opaque cursor for the next page (same filters and sort), or <see langword="null"/> on the last page.</param>
public sealed record ApiKeySearchResult(IReadOnlyList<ApiKeyRecord> Keys, bool HasMore, string? NextCursor);
