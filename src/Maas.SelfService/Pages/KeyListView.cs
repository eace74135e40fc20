using Maas.ApiKeys;
using Maas.Errors;
using Maas.Gateway.Usage;
using Maas.Models;
using Maas.Tiers;
using Maas.Users;

namespace Maas.SelfService.Pages;

/// <summary>
/// The list screen: the caller's keys, tier, limits and usage, the create form, the administrators'
/// forms; topped by the key just created or rotated (shown in this one answer, never in a URL or a
/// redirect) or by what the last action did.
/// </summary>
internal sealed class KeyListView
{
    private KeyListView(MaasUser caller, bool isAdministrator, DateTimeOffset now, bool gatewayRunning)
    {
        Caller = caller;
        IsAdministrator = isAdministrator;
        Now = now;
        GatewayRunning = gatewayRunning;
    }

    public MaasUser Caller { get; }

    public bool IsAdministrator { get; }

    public DateTimeOffset Now { get; }

    /// <summary>Gets whether the gateway runs in this host (and counts usage).</summary>
    public bool GatewayRunning { get; }

    public IReadOnlyList<ApiKeyRecord> Keys { get; private set; } = [];

    public Tier? Tier { get; private set; }

    /// <summary>The tiers the caller is entitled to (is in one of their groups), highest first: a choice of subscription when more than one.</summary>
    public IReadOnlyList<Tier> EntitledTiers { get; private set; } = [];

    /// <summary>Why no tier applies to the caller, when none does.</summary>
    public string? TierFailure { get; private set; }

    public IReadOnlyList<UsageReport> Usage { get; private set; } = [];

    public string? UsageFailure { get; private set; }

    /// <summary>The key just created: shown in this one answer.</summary>
    public CreatedApiKey? Created { get; set; }

    /// <summary>The key just rotated: its replacement, shown in this one answer, and the old key's new expiry.</summary>
    public RotatedApiKey? Rotated { get; set; }

    /// <summary>The models the caller's tier may use, with their base URLs: shown with a new key.</summary>
    public IReadOnlyList<ModelEndpoint> Models { get; private set; } = [];

    /// <summary>The create form's one-time token (<see cref="OneTimeForms.OneTimeFormTokens"/>): a second submission makes no second key.</summary>
    public string CreateFormToken { get; private set; } = "";

    /// <summary>What the last action did, announced to screen readers.</summary>
    public string? Notice { get; set; }

    /// <summary>The create form as posted (refilled when refused).</summary>
    public CreateKeyForm Create { get; set; } = new();

    /// <summary>Why the create form was refused, and which field it names.</summary>
    public string? CreateError { get; set; }

    public string? CreateErrorField { get; set; }

    /// <summary>
    /// The id of the limit input the refusal names (the form shows the message beside it, not above the
    /// form), or <see langword="null"/> when it names another field. A refusal of the budget as a whole
    /// (<c>limits.budgets[0]</c>) is shown beside its tokens.
    /// </summary>
    public string? CreateErrorLimitInput => CreateError is null ? null : CreateErrorField switch
    {
        "limits.requests" => "create-limit-requests",
        "limits.tokensPerMinute" => "create-limit-tokens",
        "limits.budgets[0].period" => "create-budget-period",
        "limits.budgets[0].requests" => "create-budget-requests",
        { } other when other.StartsWith("limits", StringComparison.Ordinal) => "create-budget-tokens",
        _ => null,
    };

    public static async Task<KeyListView> ReadAsync(SelfServicePageServices services, MaasUser caller, bool isAdministrator, CancellationToken cancellationToken)
    {
        var reader = services.Usage;
        var view = new KeyListView(caller, isAdministrator, services.Now, reader is not null);
        try
        {
            view.Tier = services.Tiers.GetTier(caller);
        }
        catch (NoTierException ex)
        {
            view.TierFailure = ex.Message;
        }

        view.EntitledTiers = [.. services.Tiers.Tiers.Where(t => services.Tiers.ResolveSubscription(t.Name, caller.Groups) is not null).OrderByDescending(t => t.Level)];
        view.Keys = await services.ApiKeys.ListAsync(caller, cancellationToken).ConfigureAwait(false);
        view.CreateFormToken = services.FormTokens.Issue(caller.Name);
        if (view.Tier is { } tier && reader is not null)
        {
            (view.Usage, view.UsageFailure) = await CurrentUsage.ReadAsync(services.Models, reader, caller, tier, cancellationToken).ConfigureAwait(false);
        }

        return view;
    }

    /// <summary>Reads the models the caller may call with a new key, and where (<paramref name="request"/>'s scheme and host for path-only URLs).</summary>
    public async Task ReadModelsAsync(SelfServicePageServices services, Microsoft.AspNetCore.Http.HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            Models = ModelEndpoint.From(await services.Models.ListAsync(services.Tiers.GetTier(Caller), cancellationToken).ConfigureAwait(false), request);
        }
        catch (StoreUnavailableException)
        {
            // The key is made and shown; only the examples go without a model.
            Models = [];
        }
    }
}
