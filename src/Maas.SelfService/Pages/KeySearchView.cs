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
    public static async Task<KeySearchView> SearchAsync(MaasService service, MaasUser caller, KeySearchForm search, CancellationToken cancellationToken)
    {
        var view = new KeySearchView(search, service.Now);
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

        try
        {
            view.Found = await service.SearchApiKeysAsync(
                caller,
                new ApiKeySearchRequest
                {
                    Username = string.IsNullOrWhiteSpace(search.Username) ? null : search.Username.Trim(),
                    Statuses = search.Status,
                    LabelsContain = labels,
                    SortBy = string.IsNullOrEmpty(search.SortBy) ? null : search.SortBy,
                    SortOrder = string.IsNullOrEmpty(search.Order) ? null : search.Order,
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
