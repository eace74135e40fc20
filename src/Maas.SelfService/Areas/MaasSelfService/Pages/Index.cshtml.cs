using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys</c>: the caller's keys, tier, limits and usage; and the create form's POST, whose answer
/// is the list topped by the new key, shown once (never in a URL or a redirect).
/// </summary>
internal sealed class KeyListModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    /// <summary>The form that creates a key.</summary>
    [BindProperty]
    public CreateKeyForm Create { get; set; } = new();

    public KeyListView List { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        GoDuration? expiration = null;
        var lifetime = Create.Expiration?.Trim();
        if (!string.IsNullOrEmpty(lifetime))
        {
            if (!GoDuration.TryParse(lifetime, out var parsed, out _))
            {
                return await RefuseAsync("expiration", $"'{lifetime}' is not a duration: write it like 24h, 720h or 90m.", cancellationToken).ConfigureAwait(false);
            }

            expiration = parsed;
        }

        CreatedApiKey created;
        try
        {
            created = await Services.ApiKeys.CreateAsync(
                SignedIn,
                new ApiKeyRequest { Name = Create.Name ?? "", Description = string.IsNullOrWhiteSpace(Create.Description) ? null : Create.Description, Expiration = expiration },
                RequestContext,
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidRequestException ex)
        {
            return await RefuseAsync(ex.Field, ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (NoTierException ex)
        {
            return await RefuseAsync("", ex.Message, cancellationToken).ConfigureAwait(false);
        }

        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Created = created;
        return Page();
    }

    private async Task<IActionResult> RefuseAsync(string field, string message, CancellationToken cancellationToken)
    {
        Response.StatusCode = StatusCodes.Status400BadRequest;
        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Create = Create;
        List.CreateError = message;
        List.CreateErrorField = field;
        return Page();
    }
}
