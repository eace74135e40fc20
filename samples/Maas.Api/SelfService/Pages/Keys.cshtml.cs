using System.Globalization;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Durations;
using Maas.Errors;
using Maas.Gateway.Usage;
using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Tiers;
using Maas.Users;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.Filters;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Maas.Api.SelfService.Pages;

/// <summary>
/// The screens of <c>/keys</c>: the caller's keys, tier, limits and usage; a new key, shown once in
/// the answer to the POST that created it (never in a URL or a redirect); the confirmation before a
/// revocation or a rotation, and the rotated key's replacement, shown once like a new key; for
/// administrators, the search of anyone's keys, the bulk revocation (counted by a dry run first) and
/// the audit trail; and, for a caller without the gateway's identity, a 401 screen saying what is missing.
/// Every state change is a POST that the framework checks for its anti-forgery token; every action
/// goes through the same <see cref="MaasService"/> call as its REST endpoint, with the request's audit
/// context, so the trail records page actions as it records API calls.
/// </summary>
internal sealed class KeysModel(
    MaasService service,
    MaasUserMapper users,
    IOptionsMonitor<MaasGatewayOptions> gateway,
    IOptions<MaasOptions> options,
    UsageReader? usageReader = null) : PageModel
{
    /// <summary>The form that creates a key.</summary>
    [BindProperty]
    public CreateKeyForm Create { get; set; } = new();

    /// <summary>The administrators' key search.</summary>
    [BindProperty]
    public KeySearchForm Search { get; set; } = new();

    /// <summary>The administrators' audit trail filters.</summary>
    [BindProperty]
    public AuditFilterForm AuditFilter { get; set; } = new();

    public KeysScreen Screen { get; private set; } = KeysScreen.List;

    public MaasUser? Caller { get; private set; }

    public bool IsAdministrator { get; private set; }

    /// <summary>Why the caller is not signed in (the 401 screen).</summary>
    public string? SignInFailure { get; private set; }

    /// <summary>What is down, on the 503 screen (the key store, the audit trail, the limit counters).</summary>
    public string? UnavailableService { get; private set; }

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

    /// <summary>The key whose revocation or rotation waits for confirmation.</summary>
    public ApiKeyRecord? Confirming { get; private set; }

    /// <summary>The key just rotated: its replacement, shown in this one answer, and the old key's new expiry.</summary>
    public RotatedApiKey? Rotated { get; private set; }

    /// <summary>The grace typed on the rotation screen (the configured default at first).</summary>
    public string? Grace { get; private set; }

    /// <summary>How long a rotated key may keep working, as configured (<c>Maas:ApiKeys:Rotation</c>).</summary>
    public KeyRotationOptions RotationBounds => options.Value.ApiKeys.Rotation;

    /// <summary>The keys an administrator's search found, and the cursor of the next page.</summary>
    public ApiKeySearchResult? Found { get; private set; }

    /// <summary>The user a bulk revocation names, and how many active keys it revokes (or, in the dry run, would).</summary>
    public string? BulkUsername { get; private set; }

    public int? BulkCount { get; private set; }

    /// <summary>A page of the audit trail, and the cursor of the next.</summary>
    public IReadOnlyList<AuditEntry> AuditEntries { get; private set; } = [];

    public string? AuditNextCursor { get; private set; }

    /// <summary>Why a rotation, search, bulk revocation or audit filter was refused, and which field it names ("" for the form).</summary>
    public string? FormError { get; private set; }

    public string? FormErrorField { get; private set; }

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
            ShowKeyNotFound();
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
            ShowKeyNotFound();
        }
        else if (await service.RevokeApiKeyAsync(Caller!, key.Id, HttpContext.GetMaasRequestContext(), cancellationToken))
        {
            Notice = $"The key “{key.Name}” is revoked: it no longer works anywhere.";
        }
        else
        {
            Notice = $"The key “{key.Name}” was already revoked.";
        }

        if (key is not null && !string.Equals(key.Owner, Caller!.Name, StringComparison.Ordinal))
        {
            // An administrator revoked someone else's key (found by a search): back to that owner's keys.
            Screen = KeysScreen.Search;
            Search = new KeySearchForm { Username = key.Owner };
            ModelState.Clear();
            await SearchKeysAsync(cancellationToken);
        }

        return await RenderAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostConfirmRotateAsync(string? id, CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        Grace = RotationBounds.DefaultGrace.ToString();
        return await ConfirmRotationAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostRotateAsync(string? id, string? grace, CancellationToken cancellationToken)
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        Grace = grace?.Trim();
        GoDuration? parsed = null;
        if (!string.IsNullOrEmpty(Grace))
        {
            if (!GoDuration.TryParse(Grace, out var value, out _))
            {
                return await RefuseRotationAsync(id, $"'{Grace}' is not a duration: write it like 1h, 30m or 0s.", cancellationToken);
            }

            parsed = value;
        }

        try
        {
            Rotated = id is null ? null : await service.RotateApiKeyAsync(Caller!, id, parsed, HttpContext.GetMaasRequestContext(), cancellationToken);
        }
        catch (InvalidRequestException ex)
        {
            return await RefuseRotationAsync(id, ex.Message, cancellationToken);
        }
        catch (CredentialConflictException ex)
        {
            Notice = ex.Message;
            Response.StatusCode = StatusCodes.Status409Conflict;
            return await RenderAsync(cancellationToken);
        }
        catch (NoTierException ex)
        {
            Notice = ex.Message;
            Response.StatusCode = StatusCodes.Status403Forbidden;
            return await RenderAsync(cancellationToken);
        }

        if (Rotated is null)
        {
            ShowKeyNotFound();
        }
        else
        {
            Screen = KeysScreen.Rotated;
        }

        return await RenderAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostSearchAsync(CancellationToken cancellationToken)
    {
        if (await RequireAdministratorAsync() is { } refusal)
        {
            return refusal;
        }

        Screen = KeysScreen.Search;
        await SearchKeysAsync(cancellationToken);
        return await RenderAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostBulkRevokePreviewAsync(string? username, CancellationToken cancellationToken)
    {
        if (await RequireAdministratorAsync() is { } refusal)
        {
            return refusal;
        }

        return await BulkRevokeAsync(username, dryRun: true, cancellationToken);
    }

    public async Task<IActionResult> OnPostBulkRevokeAsync(string? username, CancellationToken cancellationToken)
    {
        if (await RequireAdministratorAsync() is { } refusal)
        {
            return refusal;
        }

        return await BulkRevokeAsync(username, dryRun: false, cancellationToken);
    }

    public async Task<IActionResult> OnPostAuditAsync(CancellationToken cancellationToken)
    {
        if (await RequireAdministratorAsync() is { } refusal)
        {
            return refusal;
        }

        Screen = KeysScreen.Audit;
        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var (name, value) in AuditFilter.AsQuery())
        {
            fields[name] = value;
        }

        try
        {
            // The same reader as GET /v1/audit: both accept and refuse the same filters and cursors.
            var query = AuditQueryReader.Read(new QueryCollection(fields));
            var page = await service.ReadAuditAsync(Caller!, query, cancellationToken);
            AuditEntries = page.Entries;
            AuditNextCursor = page.Next is { } next ? AuditCursor.Write(next) : null;
        }
        catch (InvalidRequestException ex)
        {
            Refuse(AuditField(ex.Field), ex.Message);
        }

        return await RenderAsync(cancellationToken);
    }

    /// <summary>Tells whether the refused input names <paramref name="field"/>.</summary>
    public bool IsInvalid(string field) => FormError is not null && string.Equals(FormErrorField, field, StringComparison.Ordinal);

    /// <summary>How an audit instant is shown: UTC, to the second.</summary>
    public static string ShowPrecisely(DateTimeOffset instant) =>
        instant.UtcDateTime.ToString("yyyy'-'MM'-'dd HH':'mm':'ss 'UTC'", CultureInfo.InvariantCulture);

    /// <summary>How a count of keys is shown: "1 key", "3 keys".</summary>
    public static string ShowKeys(int count) => count == 1 ? "1 key" : $"{Show(count)} keys";

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

    /// <summary>The 404 of a key that does not exist or is not the caller's: the same answer either way, as the API gives.</summary>
    private void ShowKeyNotFound()
    {
        Notice = "That key was not found among yours.";
        Response.StatusCode = StatusCodes.Status404NotFound;
    }

    private async Task<IActionResult> ConfirmRotationAsync(string? id, CancellationToken cancellationToken)
    {
        // Only one's own keys rotate (as POST /v1/api-keys/{id}/rotate): an administrator's reach stops at revoking.
        Confirming = id is null ? null : await service.GetApiKeyAsync(Caller!, id, cancellationToken);
        if (Confirming is null || !string.Equals(Confirming.Owner, Caller!.Name, StringComparison.Ordinal))
        {
            Confirming = null;
            ShowKeyNotFound();
        }
        else
        {
            Screen = KeysScreen.ConfirmRotate;
        }

        return await RenderAsync(cancellationToken);
    }

    private async Task<IActionResult> RefuseRotationAsync(string? id, string message, CancellationToken cancellationToken)
    {
        var result = await ConfirmRotationAsync(id, cancellationToken);
        if (Screen == KeysScreen.ConfirmRotate)
        {
            Refuse("grace", message);
        }

        return result;
    }

    private async Task SearchKeysAsync(CancellationToken cancellationToken)
    {
        var limit = KeySearchForm.DefaultLimit;
        if (!string.IsNullOrWhiteSpace(Search.Limit)
            && (!int.TryParse(Search.Limit.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
        {
            Refuse("limit", "Keys per page must be a whole number from 1 to 100.");
            return;
        }

        Dictionary<string, string>? labels = null;
        if (!string.IsNullOrWhiteSpace(Search.Label))
        {
            var label = Search.Label.Trim();
            var equals = label.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                Refuse("label", $"Write the label as key=value, for example team=ml (got '{label}').");
                return;
            }

            labels = new Dictionary<string, string>(StringComparer.Ordinal) { [label[..equals].Trim()] = label[(equals + 1)..].Trim() };
        }

        try
        {
            // The same call as POST /v1/api-keys/search: an empty username is everyone's keys (administrators only).
            Found = await service.SearchApiKeysAsync(
                Caller!,
                new ApiKeySearchRequest
                {
                    Username = string.IsNullOrWhiteSpace(Search.Username) ? null : Search.Username.Trim(),
                    Statuses = Search.Status,
                    LabelsContain = labels,
                    SortBy = string.IsNullOrEmpty(Search.SortBy) ? null : Search.SortBy,
                    SortOrder = string.IsNullOrEmpty(Search.Order) ? null : Search.Order,
                    Limit = limit,
                    Cursor = string.IsNullOrEmpty(Search.Cursor) ? null : Search.Cursor,
                },
                cancellationToken);
        }
        catch (InvalidRequestException ex)
        {
            Refuse(SearchField(ex.Field), ex.Message);
        }
    }

    private async Task<IActionResult> BulkRevokeAsync(string? username, bool dryRun, CancellationToken cancellationToken)
    {
        Screen = KeysScreen.BulkRevoke;
        BulkUsername = username?.Trim();
        try
        {
            // The same call as POST /v1/api-keys/bulk-revoke; the dry run counts exactly what the real run revokes.
            var revocation = await service.BulkRevokeApiKeysAsync(Caller!, username, dryRun, HttpContext.GetMaasRequestContext(), cancellationToken);
            BulkUsername = revocation.Username;
            BulkCount = revocation.RevokedCount;
            if (dryRun)
            {
                Screen = KeysScreen.ConfirmBulkRevoke;
            }
            else
            {
                Notice = $"Revoked {ShowKeys(revocation.RevokedCount)} of {revocation.Username}: they no longer work anywhere.";
            }
        }
        catch (InvalidRequestException ex)
        {
            Refuse("username", ex.Message);
        }

        return await RenderAsync(cancellationToken);
    }

    private void Refuse(string field, string message)
    {
        FormError = message;
        FormErrorField = field;
        Response.StatusCode = StatusCodes.Status400BadRequest;
    }

    private static string SearchField(string field) => field switch
    {
        "filters.username" or "username" => "username",
        "filters.status" => "status",
        "sort.by" => "sort",
        "sort.order" => "order",
        "pagination.limit" => "limit",
        _ when field.StartsWith("filters.labels", StringComparison.Ordinal) => "label",
        _ => "",
    };

    private static string AuditField(string field) => field is "actor" or "subject" or "key_id" or "action" or "since" or "until" or "limit" ? field : "";

    /// <summary>Establishes <see cref="Caller"/> and answers 403 unless the caller is an administrator, before reading any input.</summary>
    private async Task<IActionResult?> RequireAdministratorAsync()
    {
        if (await SignInAsync() is { } refusal)
        {
            return refusal;
        }

        if (IsAdministrator)
        {
            return null;
        }

        Screen = KeysScreen.Forbidden;
        Response.StatusCode = StatusCodes.Status403Forbidden;
        TryTier();
        return Page();
    }

    /// <summary>
    /// Answers an outage of what the page reads or writes with the 503 screen and <c>Retry-After</c>,
    /// as the REST endpoints answer 503: the caller did nothing wrong, and a retry will do.
    /// </summary>
    public override async Task OnPageHandlerExecutionAsync(PageHandlerExecutingContext context, PageHandlerExecutionDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var executed = await next();
        if (executed.Exception is StoreUnavailableException unavailable && !executed.ExceptionHandled)
        {
            executed.ExceptionHandled = true;
            UnavailableService = unavailable.Service;
            Screen = KeysScreen.Unavailable;
            Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            Response.Headers.RetryAfter = "1";
            executed.Result = Page();
        }
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

        TryTier();
        if (Screen is not (KeysScreen.List or KeysScreen.Created or KeysScreen.Rotated))
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

    private void TryTier()
    {
        try
        {
            Tier = service.GetTier(Caller!);
        }
        catch (NoTierException ex)
        {
            TierFailure = ex.Message;
        }
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

    /// <summary>The question before a key is rotated, with the grace to choose.</summary>
    ConfirmRotate,

    /// <summary>The list, topped by the replacement of the key just rotated and the old key's end.</summary>
    Rotated,

    /// <summary>Administrators: anyone's keys, filtered, sorted and paged by cursor.</summary>
    Search,

    /// <summary>Administrators: the dry run's count before a user's active keys are revoked.</summary>
    ConfirmBulkRevoke,

    /// <summary>Administrators: whose active keys to revoke, and what the last bulk revocation did.</summary>
    BulkRevoke,

    /// <summary>Administrators: the audit trail, filtered and paged by cursor.</summary>
    Audit,

    /// <summary>An administrators' screen asked for by someone else (403).</summary>
    Forbidden,

    /// <summary>No identity: what the page needs.</summary>
    NotSignedIn,

    /// <summary>What the page needs is down for now (503): retry shortly.</summary>
    Unavailable,
}

/// <summary>What the create form posts.</summary>
internal sealed class CreateKeyForm
{
    public string? Name { get; set; }

    public string? Description { get; set; }

    public string? Expiration { get; set; }
}
