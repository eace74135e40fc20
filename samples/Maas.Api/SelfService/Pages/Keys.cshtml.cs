using System.Globalization;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Maas.Gateway.Usage;
using Maas.Hosting.Authentication;
using Maas.Tiers;
using Maas.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Maas.Api.SelfService.Pages;

/// <summary>
/// The screens of <c>/keys</c>: the caller's keys, tier, limits and usage; a new key, shown once in
/// the answer to the POST that created it (never in a URL or a redirect); the confirmation before a
/// revocation; and, for a caller without the gateway's identity, a 401 screen saying what is missing.
/// Every state change is a POST that the framework checks for its anti-forgery token.
/// </summary>
internal sealed class KeysModel(MaasService service, MaasUserMapper users, IOptionsMonitor<MaasGatewayOptions> gateway, UsageReader? usageReader = null) : PageModel
{
    /// <summary>The form that creates a key.</summary>
    [BindProperty]
    public CreateKeyForm Create { get; set; } = new();

    public KeysScreen Screen { get; private set; } = KeysScreen.List;

    public MaasUser? Caller { get; private set; }

    public bool IsAdministrator { get; private set; }

    /// <summary>Why the caller is not signed in (the 401 screen).</summary>
    public string? SignInFailure { get; private set; }

    public Tier? Tier { get; private set; }

    /// <summary>Why no tier applies to the caller, when none does.</summary>
    public string? TierFailure { get; private set; }

    /// <summary>Gets whether the gateway runs in this host (and counts usage).</summary>
    public bool GatewayRunning => usageReader is not null;

    public IReadOnlyList<UsageReport> Usage { get; private set; } = [];

    public string? UsageFailure { get; private set; }

    public IReadOnlyList<ApiKeyRecord> Keys { get; private set; } = [];

    public DateTimeOffset Now => service.Now;

    /// <summary>The key just created: shown in this one answer.</summary>
    public CreatedApiKey? Created { get; private set; }

    /// <summary>The key whose revocation waits for confirmation.</summary>
    public ApiKeyRecord? Confirming { get; private set; }

    /// <summary>What the last action did, announced to screen readers.</summary>
    public string? Notice { get; private set; }

    /// <summary>Why the create form was refused, and which field it names.</summary>
    public string? CreateError { get; private set; }

    public string? CreateErrorField { get; private set; }

    public Task<IActionResult> OnGetAsync(CancellationToken cancellationToken) => RenderAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        GoDuration? expiration = null;
        var lifetime = Create.Expiration?.Trim();
        if (!string.IsNullOrEmpty(lifetime))
        {
            if (!GoDuration.TryParse(lifetime, out var parsed, out _))
            {
                return await RefuseCreateAsync("expiration", $"'{lifetime}' is not a duration: write it like 24h, 720h or 90m.", cancellationToken);
            }

            expiration = parsed;
        }

        try
        {
            Created = await service.CreateApiKeyAsync(
                Caller!,
                new ApiKeyRequest { Name = Create.Name ?? "", Description = string.IsNullOrWhiteSpace(Create.Description) ? null : Create.Description, Expiration = expiration },
                HttpContext.GetMaasRequestContext(),
                cancellationToken);
        }
        catch (InvalidRequestException ex)
        {
            return await RefuseCreateAsync(ex.Field, ex.Message, cancellationToken);
        }
        catch (NoTierException ex)
        {
            return await RefuseCreateAsync("", ex.Message, cancellationToken);
        }

        Screen = KeysScreen.Created;
        Create = new();
        ModelState.Clear();
        return await RenderAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostConfirmRevokeAsync(string? id, CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        Confirming = id is null ? null : await service.GetApiKeyAsync(Caller!, id, cancellationToken);
        if (Confirming is null)
        {
            Notice = "That key was not found among yours.";
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        else
        {
            Screen = KeysScreen.ConfirmRevoke;
        }

        return await RenderAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRevokeAsync(string? id, CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        var key = id is null ? null : await service.GetApiKeyAsync(Caller!, id, cancellationToken);
        if (key is null)
        {
            Notice = "That key was not found among yours.";
            Response.StatusCode = StatusCodes.Status404NotFound;
        }
        else if (await service.RevokeApiKeyAsync(Caller!, key.Id, HttpContext.GetMaasRequestContext(), cancellationToken))
        {
            Notice = $"The key “{key.Name}” is revoked: it no longer works anywhere.";
        }
        else
        {
            Notice = $"The key “{key.Name}” was already revoked.";
        }

        return await RenderAsync(cancellationToken);
    }

    /// <summary>How a time is shown: UTC, to the minute.</summary>
    public static string Show(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy'-'MM'-'dd HH':'mm 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How a window is shown: "2 minutes", "1 minute", "90 seconds".</summary>
    public static string Show(TimeSpan window) =>
        window.TotalMinutes is var minutes && minutes == Math.Floor(minutes) && minutes >= 1
            ? (minutes == 1 ? "minute" : $"{minutes.ToString(CultureInfo.InvariantCulture)} minutes")
            : $"{window.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds";

    public static string Show(long number) => number.ToString("N0", CultureInfo.InvariantCulture);

    private async Task<IActionResult> RefuseCreateAsync(string field, string message, CancellationToken cancellationToken)
    {
        CreateError = message;
        CreateErrorField = field;
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return await RenderAsync(cancellationToken);
    }

    /// <summary>Establishes <see cref="Caller"/>, or answers the 401 screen.</summary>
    private async Task<IActionResult?> SignInAsync()
    {
        if (Caller is not null)
        {
            return null;
        }

        if (users.Map(User) is { } user)
        {
            Caller = user;
            IsAdministrator = service.IsAdministrator(user);
            return null;
        }

        // The scheme already ran for this request; asking again returns its cached result and its reason.
        var result = await HttpContext.AuthenticateAsync(MaasAuthenticationDefaults.GatewayScheme);
        var options = gateway.CurrentValue;
        SignInFailure = result.Failure?.Message
            ?? $"This page needs the identity the gateway sends: the {options.UserHeader} and {options.GroupHeader} headers.";
        Screen = KeysScreen.NotSignedIn;
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        return Page();
    }

    private async Task<IActionResult> RenderAsync(CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        try
        {
            Tier = service.GetTier(Caller!);
        }
        catch (NoTierException ex)
        {
            TierFailure = ex.Message;
        }

        if (Screen == KeysScreen.ConfirmRevoke)
        {
            return Page();
        }

        Keys = await service.ListApiKeysAsync(Caller!, cancellationToken);
        if (Tier is not null && usageReader is not null)
        {
            await ReadUsageAsync(usageReader, Tier, cancellationToken);
        }

        return Page();
    }

    private async Task ReadUsageAsync(UsageReader reader, Tier tier, CancellationToken cancellationToken)
    {
        try
        {
            if (!reader.PerModel)
            {
                Usage = [await reader.ReadAsync(Caller!, tier, null, cancellationToken)];
                return;
            }

            var reports = new List<UsageReport>();
            foreach (var model in await service.ListModelsAsync(Caller!, cancellationToken))
            {
                reports.Add(await reader.ReadAsync(Caller!, tier, model.Id, cancellationToken));
            }

            Usage = reports;
        }
        catch (StoreUnavailableException)
        {
            UsageFailure = "The usage counters cannot be reached right now; reload the page in a moment.";
        }
    }
}

/// <summary>Which screen <c>/keys</c> shows.</summary>
internal enum KeysScreen
{
    /// <summary>The caller's keys, tier, limits and usage.</summary>
    List,

    /// <summary>The list, topped by the key just created.</summary>
    Created,

    /// <summary>The question before a key is revoked.</summary>
    ConfirmRevoke,

    /// <summary>No identity: what the page needs.</summary>
    NotSignedIn,
}

/// <summary>What the create form posts.</summary>
internal sealed class CreateKeyForm
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Expiration { get; set; }
}
