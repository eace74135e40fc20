using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Maas.SelfService.OneTimeForms;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys</c>: the caller's keys, tier, limits and usage; and the create form's POST (a key's own
/// limits too, checked by the same Core service as the REST create, so a limit above the tier is refused
/// with the same message, shown beside its field), whose answer
/// is the list topped by the new key, shown once (never in a URL or a redirect), with where and how to use
/// it. The form carries a one-time token: sending it again (a reload of that answer, a double click) makes
/// no second key but redirects to the list (Post/Redirect/Get), which shows the key the first submission made.
/// </summary>
internal sealed class KeyListModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    /// <summary>The form that creates a key.</summary>
    [BindProperty]
    public CreateKeyForm Create { get; set; } = new();

    public KeyListView List { get; private set; } = null!;

    /// <summary>What <c>?sent=again</c> (where a resubmitted create form is redirected) says.</summary>
    public const string SentAgainNotice =
        "That form was sent already, so no second key was made: the key it made is in the list below. " +
        "A key is shown only once, in the answer to its form; if you did not copy it, revoke it and create another.";

    public async Task<IActionResult> OnGetAsync(string? sent, CancellationToken cancellationToken)
    {
        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        if (string.Equals(sent, "again", StringComparison.Ordinal))
        {
            List.Notice = SentAgainNotice;
        }

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

        if (!Create.TryReadLimits(out var limits, out var limitField, out var limitError))
        {
            return await RefuseAsync(limitField!, limitError!, cancellationToken).ConfigureAwait(false);
        }

        var formTokens = Services.FormTokens;
        switch (formTokens.TryConsume(Create.FormToken, SignedIn.Name, out var consumed))
        {
            case OneTimeFormCheck.Replayed:
                // Post/Redirect/Get: a reload of the redirected answer is a GET, and the key never enters the URL.
                Response.Headers.Location = Url.Content("~" + MaasSelfServiceDefaults.Path + "?sent=again");
                return StatusCode(StatusCodes.Status303SeeOther);
            case OneTimeFormCheck.Expired:
                return await RefuseAsync("", "This form was open too long (over an hour), so it was not used: it is filled in again below, send it once more.", cancellationToken).ConfigureAwait(false);
            case OneTimeFormCheck.Invalid:
                return await RefuseAsync("", "This form could not be checked (it was not the one this page gave you), so it was not used: it is filled in again below, send it once more.", cancellationToken).ConfigureAwait(false);
            case OneTimeFormCheck.Full:
                throw new StoreUnavailableException("Too many key forms were sent in the last hour.") { Service = "key creation form" };
        }

        CreatedApiKey? created = null;
        try
        {
            created = await Services.ApiKeys.CreateAsync(
                SignedIn,
                new ApiKeyRequest
                {
                    Name = Create.Name ?? "",
                    Description = string.IsNullOrWhiteSpace(Create.Description) ? null : Create.Description,
                    Expiration = expiration,
                    Subscription = Create.Subscription,
                    Limits = limits,
                },
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
        finally
        {
            // Refused or failed (the store down): nothing was made, so the same form may be sent again.
            if (created is null)
            {
                formTokens.Release(consumed);
            }
        }

        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Created = created;
        await List.ReadModelsAsync(Services, Request, cancellationToken).ConfigureAwait(false);
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
