namespace Maas.SelfService.Pages;

/// <summary>
/// What the administrators' key search posts: the filters and sort of <c>POST /v1/api-keys/search</c>,
/// the page size, and the opaque cursor of the page before (empty for the first page).
/// </summary>
internal sealed class KeySearchForm
{
    /// <summary>The page size when the form names none.</summary>
    public const int DefaultLimit = 20;

    /// <summary>Whose keys; empty for everyone's.</summary>
    public string? Username { get; set; }

    /// <summary>The statuses to find (<c>active</c>, <c>expired</c>, <c>revoked</c>); none for all.</summary>
    public List<string> Status { get; set; } = [];

    /// <summary>One label the keys must carry, written <c>key=value</c>.</summary>
    public string? Label { get; set; }

    public string? SortBy { get; set; }

    public string? Order { get; set; }

    /// <summary>The page size as typed: 1 to 100.</summary>
    public string? Limit { get; set; }

    public string? Cursor { get; set; }
}
