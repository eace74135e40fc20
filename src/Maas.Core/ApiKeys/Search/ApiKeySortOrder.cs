namespace Maas.ApiKeys;

/// <summary>The direction of a key search's order; ties by key id go the same way.</summary>
public enum ApiKeySortOrder
{
    /// <summary>Largest first (<c>desc</c>), the default: the newest key first in a <c>created_at</c> sort.</summary>
    Descending,

    /// <summary>Smallest first (<c>asc</c>).</summary>
    Ascending,
}
