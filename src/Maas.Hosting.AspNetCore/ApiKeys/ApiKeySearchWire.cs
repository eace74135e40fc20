using Maas.ApiKeys;
using Maas.Errors;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Reads the Go service's search body into Core's typed <see cref="ApiKeySearchRequest"/>: the
/// status, sort field and order words become enums here, and a word Core has no value for is a
/// 400 naming the field, with the words the field may hold.
/// </summary>
internal static class ApiKeySearchWire
{
    public static ApiKeySearchRequest ToSearchRequest(this ApiKeySearchBody? body)
    {
        var filters = body?.Filters;
        return new ApiKeySearchRequest
        {
            Username = filters?.Username,
            Statuses = Statuses(filters?.Status),
            LabelsContain = filters?.LabelsContain,
            IncludeEphemeral = filters?.IncludeEphemeral ?? false,
            Subscription = filters?.Subscription,
            SortBy = SortField(body?.Sort?.By),
            SortOrder = SortOrder(body?.Sort?.Order),
            Limit = body?.Pagination?.Limit,
            Offset = body?.Pagination?.Offset,
            Cursor = body?.Pagination?.Cursor,
        };
    }

    /// <summary><c>filters.status</c>: <c>active</c>, <c>revoked</c>, <c>expired</c>, surrounding blanks ignored; none means every status.</summary>
    internal static ApiKeyStatus[] Statuses(IReadOnlyList<string>? statuses)
    {
        if (statuses is null || statuses.Count == 0)
        {
            return [];
        }

        var parsed = new ApiKeyStatus[statuses.Count];
        for (var i = 0; i < parsed.Length; i++)
        {
            parsed[i] = statuses[i]?.Trim() switch
            {
                "active" => ApiKeyStatus.Active,
                "revoked" => ApiKeyStatus.Revoked,
                "expired" => ApiKeyStatus.Expired,
                _ => throw new InvalidRequestException("filters.status", "filters.status may hold only active, revoked and expired."),
            };
        }

        return parsed;
    }

    /// <summary><c>sort.by</c>: <c>created_at</c> (the default, also when empty), <c>expires_at</c>, <c>last_used_at</c>, <c>name</c>, exactly.</summary>
    internal static ApiKeySortField SortField(string? sortBy) => sortBy switch
    {
        null or "" or "created_at" => ApiKeySortField.CreatedAt,
        "expires_at" => ApiKeySortField.ExpiresAt,
        "last_used_at" => ApiKeySortField.LastUsedAt,
        "name" => ApiKeySortField.Name,
        _ => throw new InvalidRequestException("sort.by", "sort.by must be one of: created_at, expires_at, last_used_at, name."),
    };

    /// <summary><c>sort.order</c>: <c>asc</c> or <c>desc</c> (the default, also when empty), in any case, surrounding blanks ignored.</summary>
    internal static ApiKeySortOrder SortOrder(string? order) => order?.Trim().ToUpperInvariant() switch
    {
        null or "" or "DESC" => ApiKeySortOrder.Descending,
        "ASC" => ApiKeySortOrder.Ascending,
        _ => throw new InvalidRequestException("sort.order", "sort.order must be asc or desc."),
    };
}
