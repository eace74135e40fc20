using System.Globalization;
using Maas.ApiKeys;
using Maas.Errors;
using Maas.Users;

namespace Maas.SelfService.Pages;

/// <summary>The administrators' search screen: the form as posted, the keys found and the cursor of the next page.</summary>
internal sealed class KeySearchView
{
    private KeySearchView(KeySearchForm search, DateTimeOffset now)
    {
        Search = search;
        Now = now;
    }

    public KeySearchForm Search { get; }

    public DateTimeOffset Now { get; }

    public ApiKeySearchResult? Found { get; private set; }

    public FormRefusal Refusal { get; } = new();

    /// <summary>What the last action did (an administrator's revocation of a key found here).</summary>
    public string? Notice { get; set; }

    /// <summary>
    /// Searches as <c>POST /v1/api-keys/search</c> does, with the same call: an empty username is
    /// everyone's keys (administrators only); a refused field is named in <see cref="Refusal"/>.
    /// </summary>
    public static async Task<KeySearchView> SearchAsync(SelfServicePageServices services, MaasUser caller, KeySearchForm search, CancellationToken cancellationToken)
    {
        var view = new KeySearchView(search, services.Now);
        var limit = KeySearchForm.DefaultLimit;
        if (!string.IsNullOrWhiteSpace(search.Limit)
            && (!int.TryParse(search.Limit.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            view.Refusal.Refuse("limit", "Keys per page must be a whole number from 1 to 100.");
            return view;
        }

        Dictionary<string, string>? labels = null;
        if (!string.IsNullOrWhiteSpace(search.Label))
        {
            var label = search.Label.Trim();
            var equals = label.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                view.Refusal.Refuse("label", $"Write the label as key=value, for example team=ml (got '{label}').");
                return view;
            }

            labels = new Dictionary<string, string>(StringComparer.Ordinal) { [label[..equals].Trim()] = label[(equals + 1)..].Trim() };
        }

        if (!TryRead(search, view.Refusal, out var statuses, out var sortBy, out var order))
        {
            return view;
        }

        try
        {
            view.Found = await services.Administration.SearchAsync(
                caller,
                new ApiKeySearchRequest
                {
                    Username = string.IsNullOrWhiteSpace(search.Username) ? null : search.Username.Trim(),
                    Statuses = statuses,
                    LabelsContain = labels,
                    SortBy = sortBy,
                    SortOrder = order,
                    Limit = limit,
                    Cursor = string.IsNullOrEmpty(search.Cursor) ? null : search.Cursor,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidRequestException ex)
        {
            view.Refusal.Refuse(Field(ex.Field), ex.Message);
        }

        return view;
    }

    // The form's words are the REST API's (the select boxes offer nothing else); anything else is refused as the API refuses it.
    private static bool TryRead(KeySearchForm search, FormRefusal refusal, out ApiKeyStatus[] statuses, out ApiKeySortField sortBy, out ApiKeySortOrder order)
    {
        statuses = new ApiKeyStatus[search.Status.Count];
        sortBy = ApiKeySortField.CreatedAt;
        order = ApiKeySortOrder.Descending;
        for (var i = 0; i < statuses.Length; i++)
        {
            switch (search.Status[i]?.Trim())
            {
                case "active": statuses[i] = ApiKeyStatus.Active; break;
                case "revoked": statuses[i] = ApiKeyStatus.Revoked; break;
                case "expired": statuses[i] = ApiKeyStatus.Expired; break;
                default:
                    refusal.Refuse("status", "filters.status may hold only active, revoked and expired.");
                    return false;
            }
        }

        switch (search.SortBy)
        {
            case null or "" or "created_at": break;
            case "expires_at": sortBy = ApiKeySortField.ExpiresAt; break;
            case "last_used_at": sortBy = ApiKeySortField.LastUsedAt; break;
            case "name": sortBy = ApiKeySortField.Name; break;
            default:
                refusal.Refuse("sort", "sort.by must be one of: created_at, expires_at, last_used_at, name.");
                return false;
        }

        switch (search.Order?.Trim().ToUpperInvariant())
        {
            case null or "" or "DESC": break;
            case "ASC": order = ApiKeySortOrder.Ascending; break;
            default:
                refusal.Refuse("order", "sort.order must be asc or desc.");
                return false;
        }

        return true;
    }

    private static string Field(string field) => field switch
    {
        "filters.username" or "username" => "username",
        "filters.status" => "status",
        "sort.by" => "sort",
        "sort.order" => "order",
        "pagination.limit" => "limit",
        _ when field.StartsWith("filters.labels", StringComparison.Ordinal) => "label",
        _ => "",
    };
}
