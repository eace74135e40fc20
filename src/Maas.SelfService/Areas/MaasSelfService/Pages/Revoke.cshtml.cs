using Maas.ApiKeys;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/revoke</c>: the question before a key is revoked, and the revocation, whose answer is the
/// list saying so; an administrator who revoked someone else's key (found by a search) is taken back to
/// that owner's keys.
/// </summary>
internal sealed class RevokeModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    /// <summary>The key whose revocation waits for confirmation.</summary>
    public ApiKeyRecord? Confirming { get; private set; }

    /// <summary>The caller's list after a revocation, or when the key is not found.</summary>
    public KeyListView? List { get; private set; }

    /// <summary>The owner's keys after an administrator revoked one of them.</summary>
    public KeySearchView? Found { get; private set; }

    public async Task<IActionResult> OnPostConfirmAsync(string? id, CancellationToken cancellationToken)
    {
        Confirming = id is null ? null : await Services.ApiKeys.GetAsync(SignedIn, id, cancellationToken).ConfigureAwait(false);
        if (Confirming is null)
        {
            List = await KeyNotFoundAsync(cancellationToken).ConfigureAwait(false);
        }

        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string? id, CancellationToken cancellationToken)
    {
        var key = id is null ? null : await Services.ApiKeys.GetAsync(SignedIn, id, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            List = await KeyNotFoundAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }

        var notice = await Services.ApiKeys.RevokeAsync(SignedIn, key.Id, RequestContext, cancellationToken).ConfigureAwait(false)
            ? $"The key “{key.Name}” is revoked: it no longer works anywhere."
            : $"The key “{key.Name}” was already revoked.";
        if (!string.Equals(key.Owner, SignedIn.Name, StringComparison.Ordinal))
        {
            Found = await KeySearchView.SearchAsync(Services, SignedIn, new KeySearchForm { Username = key.Owner }, cancellationToken).ConfigureAwait(false);
            Found.Notice = notice;
            return Page();
        }

        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Notice = notice;
        return Page();
    }
}
