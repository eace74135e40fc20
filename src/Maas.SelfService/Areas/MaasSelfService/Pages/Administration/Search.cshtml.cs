using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary><c>/keys/search</c>, administrators: anyone's keys, filtered, sorted and paged by cursor.</summary>
internal sealed class SearchModel(SelfServicePageServices services) : AdministrationPageModel(services)
{
    /// <summary>The search as posted.</summary>
    [BindProperty]
    public KeySearchForm Search { get; set; } = new();

    public KeySearchView Found { get; private set; } = null!;

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        Found = await KeySearchView.SearchAsync(Services, SignedIn, Search, cancellationToken).ConfigureAwait(false);
        if (Found.Refusal.IsRefused)
        {
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
