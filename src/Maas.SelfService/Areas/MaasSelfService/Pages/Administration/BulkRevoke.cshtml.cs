using Maas.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/bulk-revoke</c>, administrators: whose active keys to revoke; the dry run's count first
/// (the same call as <c>POST /v1/api-keys/bulk-revoke</c>, which counts exactly what the real run
/// revokes), then the revocation.
/// </summary>
internal sealed class BulkRevokeModel(SelfServicePageServices services) : AdministrationPageModel(services)
{
    /// <summary>The user a bulk revocation names, and how many active keys it revokes (or, in the dry run, would).</summary>
    public string? Username { get; private set; }

    public int? Count { get; private set; }

    /// <summary>Gets whether the dry run's count waits for confirmation.</summary>
    public bool Confirming { get; private set; }

    /// <summary>What the last bulk revocation did.</summary>
    public string? Notice { get; private set; }

    public FormRefusal Refusal { get; } = new();

    public Task<IActionResult> OnPostPreviewAsync(string? username, CancellationToken cancellationToken) =>
        RevokeAsync(username, dryRun: true, cancellationToken);

    public Task<IActionResult> OnPostAsync(string? username, CancellationToken cancellationToken) =>
        RevokeAsync(username, dryRun: false, cancellationToken);

    private async Task<IActionResult> RevokeAsync(string? username, bool dryRun, CancellationToken cancellationToken)
    {
        Username = username?.Trim();
        try
        {
            var revocation = await Services.Administration.BulkRevokeAsync(SignedIn, username, dryRun, RequestContext, cancellationToken).ConfigureAwait(false);
            Username = revocation.Username;
            Count = revocation.RevokedCount;
            Confirming = dryRun;
            if (!dryRun)
            {
                Notice = $"Revoked {Display.ShowKeys(revocation.RevokedCount)} of {revocation.Username}: they no longer work anywhere.";
            }
        }
        catch (InvalidRequestException ex)
        {
            Refusal.Refuse("username", ex.Message);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return Page();
    }
}
