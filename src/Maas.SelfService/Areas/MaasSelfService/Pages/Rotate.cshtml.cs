using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Maas.SelfService.Pages;

/// <summary>
/// <c>/keys/rotate</c>: the question before one of the caller's own keys is rotated, with the grace to
/// choose (the configured default at first), and the rotation, whose answer is the list topped by the
/// replacement, shown once, and the old key's end. Only one's own keys rotate (as
/// <c>POST /v1/api-keys/{id}/rotate</c>): an administrator's reach stops at revoking.
/// </summary>
internal sealed class RotateModel(SelfServicePageServices services) : SelfServicePageModel(services)
{
    /// <summary>The key whose rotation waits for confirmation.</summary>
    public ApiKeyRecord? Confirming { get; private set; }

    /// <summary>The grace typed on the confirmation (the configured default at first).</summary>
    public string? Grace { get; private set; }

    public FormRefusal Refusal { get; } = new();

    /// <summary>How long a rotated key may keep working, as configured (<c>Maas:ApiKeys:Rotation</c>).</summary>
    public KeyRotationOptions RotationBounds => Services.Maas.ApiKeys.Rotation;

    /// <summary>The list, after a rotation (topped by the replacement) or when the key is not the caller's.</summary>
    public KeyListView? List { get; private set; }

    public Task<IActionResult> OnPostConfirmAsync(string? id, CancellationToken cancellationToken)
    {
        Grace = RotationBounds.DefaultGrace.ToString();
        return ConfirmAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(string? id, string? grace, CancellationToken cancellationToken)
    {
        Grace = grace?.Trim();
        GoDuration? parsed = null;
        if (!string.IsNullOrEmpty(Grace))
        {
            if (!GoDuration.TryParse(Grace, out var value, out _))
            {
                return await RefuseAsync(id, $"'{Grace}' is not a duration: write it like 1h, 30m or 0s.", cancellationToken).ConfigureAwait(false);
            }

            parsed = value;
        }

        RotatedApiKey? rotated;
        try
        {
            rotated = id is null ? null : await Services.ApiKeys.RotateAsync(SignedIn, id, parsed, RequestContext, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidRequestException ex)
        {
            return await RefuseAsync(id, ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (CredentialConflictException ex)
        {
            return await ListAsync(StatusCodes.Status409Conflict, ex.Message, cancellationToken).ConfigureAwait(false);
        }
        catch (NoTierException ex)
        {
            return await ListAsync(StatusCodes.Status403Forbidden, ex.Message, cancellationToken).ConfigureAwait(false);
        }

        if (rotated is null)
        {
            List = await KeyNotFoundAsync(cancellationToken).ConfigureAwait(false);
            return Page();
        }

        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Rotated = rotated;
        await List.ReadModelsAsync(Services, Request, cancellationToken).ConfigureAwait(false);
        return Page();
    }

    private async Task<IActionResult> ConfirmAsync(string? id, CancellationToken cancellationToken)
    {
        Confirming = id is null ? null : await Services.ApiKeys.GetAsync(SignedIn, id, cancellationToken).ConfigureAwait(false);
        if (Confirming is null || !string.Equals(Confirming.Owner, SignedIn.Name, StringComparison.Ordinal))
        {
            Confirming = null;
            List = await KeyNotFoundAsync(cancellationToken).ConfigureAwait(false);
        }

        return Page();
    }

    private async Task<IActionResult> RefuseAsync(string? id, string message, CancellationToken cancellationToken)
    {
        var result = await ConfirmAsync(id, cancellationToken).ConfigureAwait(false);
        if (Confirming is not null)
        {
            Refusal.Refuse("grace", message);
            Response.StatusCode = StatusCodes.Status400BadRequest;
        }

        return result;
    }

    private async Task<IActionResult> ListAsync(int status, string notice, CancellationToken cancellationToken)
    {
        Response.StatusCode = status;
        List = await ReadKeyListAsync(cancellationToken).ConfigureAwait(false);
        List.Notice = notice;
        return Page();
    }
}
