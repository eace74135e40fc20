namespace Maas.ApiKeys;

/// <summary>One page of a key search: the keys in order, and whether more match after them.</summary>
/// <param name="Keys">The keys of the page, at most the search's limit.</param>
/// <param name="HasMore">Whether at least one more key matches after the last one.</param>
public sealed record ApiKeyPage(IReadOnlyList<ApiKeyRecord> Keys, bool HasMore);
