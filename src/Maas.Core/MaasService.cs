using Maas.Administration;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Errors;
using Maas.Models;
using Maas.Revocation;
using Maas.Telemetry;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.Options;

namespace Maas;

/// <summary>
/// The one entry point for what Maas does: issue tokens, create, list and revoke API keys,
/// validate presented credentials and list the models a user may use. Hosts call this and
/// only translate to and from their wire format.
/// </summary>
public sealed partial class MaasService
{
    private readonly MaasOptions _options;
    private readonly ITierResolver _tiers;
    private readonly ITokenIssuer _issuer;
    private readonly IKeyStore _store;
    private readonly IModelCatalog _models;
    private readonly RevocationSignal _revocations;
    private readonly CredentialValidator _validator;
    private readonly TimeProvider _time;
    private readonly MaasMetrics _metrics;
    private readonly Administrators _administrators;

    internal MaasService(
        IOptions<MaasOptions> options,
        ITierResolver tiers,
        ITokenIssuer issuer,
        IKeyStore store,
        IModelCatalog models,
        RevocationSignal revocations,
        CredentialValidator validator,
        TimeProvider time,
        MaasMetrics? metrics = null)
    {
        _options = options.Value;
        _tiers = tiers;
        _issuer = issuer;
        _store = store;
        _models = models;
        _revocations = revocations;
        _validator = validator;
        _time = time;
        _metrics = metrics ?? new MaasMetrics(null);
        _administrators = new Administrators(_options.Admins);
    }

    /// <summary>Gets the current time as the service sees it (status of keys is computed against it).</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>
    /// Tells whether <paramref name="user"/> administers keys: a member of one of the configured
    /// <c>Maas:Admins:Groups</c>. Administrators may search, read and revoke any user's keys.
    /// </summary>
    public bool IsAdministrator(MaasUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return _administrators.Includes(user);
    }

    /// <summary>Returns the user's tier, or throws <see cref="NoTierException"/> when none applies.</summary>
    public Tier GetTier(MaasUser user)
    {
        ArgumentNullException.ThrowIfNull(user);
        return _tiers.Resolve(user.Groups) ?? throw new NoTierException(user.Name);
    }

    /// <summary>Returns the tier of highest level among <paramref name="groups"/>, or <see langword="null"/>.</summary>
    public Tier? LookupTier(IReadOnlyList<string> groups) => _tiers.Resolve(groups);

    /// <summary>
    /// Issues an ephemeral token. Throws <see cref="InvalidRequestException"/> when the lifetime is
    /// outside the policy and <see cref="NoTierException"/> when no tier applies.
    /// </summary>
    public async ValueTask<IssuedToken> IssueTokenAsync(MaasUser user, GoDuration? expiration, CancellationToken cancellationToken = default)
    {
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.issue_token");
        try
        {
            var tier = GetTier(user);
            activity?.SetTag("maas.tier", tier.Name);
            var lifetime = LifetimeRules.Apply(_options.Tokens, expiration);
            var issued = await _issuer.IssueAsync(user, tier, lifetime.ToTimeSpan(), cancellationToken).ConfigureAwait(false);

            // A token carries the user's groups. One that validation would refuse (and that proxies
            // with 8 KiB header lines would cut) is refused here, naming the cause and the way out:
            // an API key stores the groups server-side and stays short. Nothing was recorded.
            if (issued.Token.Length > JwtTokenReader.MaxTokenLength)
            {
                throw new InvalidRequestException("groups",
                    $"A token for this user would be {issued.Token.Length} characters, over the {JwtTokenReader.MaxTokenLength} a bearer credential may have, because of the user's {user.Groups.Count} groups; create an API key instead (keys do not carry groups).");
            }

            _metrics.TokenIssued("success");
            return issued;
        }
        catch (Exception ex)
        {
            Failed(activity, ex, _metrics.TokenIssued);
            throw;
        }
    }

    /// <summary>
    /// Creates a named API key for the user. Throws <see cref="InvalidRequestException"/> for a bad
    /// name, description or lifetime and <see cref="NoTierException"/> when no tier applies.
    /// </summary>
    public async ValueTask<CreatedApiKey> CreateApiKeyAsync(MaasUser user, ApiKeyRequest request, CancellationToken cancellationToken = default)
    {
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.create_api_key");
        try
        {
            var created = await CreateApiKeyCoreAsync(user, request, cancellationToken).ConfigureAwait(false);
            _metrics.ApiKeyCreated("success");
            return created;
        }
        catch (Exception ex)
        {
            Failed(activity, ex, _metrics.ApiKeyCreated);
            throw;
        }
    }

    private async ValueTask<CreatedApiKey> CreateApiKeyCoreAsync(MaasUser user, ApiKeyRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var name = ApiKeyNameRules.NormalizeName(request.Name);
        var description = ApiKeyNameRules.NormalizeDescription(request.Description);
        StorableText.Require("name", name);
        StorableText.Require(user);
        var labels = ApiKeyLabels.Normalize("labels", request.Labels);
        var lifetime = LifetimeRules.Apply(_options.ApiKeys, request.Expiration);
        _ = GetTier(user);

        var generated = ApiKeyFormat.Generate();
        var now = _time.GetUtcNow();
        var record = new ApiKeyRecord
        {
            Id = generated.KeyId,
            Owner = user.Name,
            OwnerGroups = user.Groups,
            Name = name,
            Description = description,
            Hash = generated.Hash,
            CreatedAt = now,
            ExpiresAt = now + lifetime.ToTimeSpan(),
            Labels = labels,
        };
        await _store.AddAsync(record, cancellationToken).ConfigureAwait(false);
        _validator.KeyCreated(record.Hash);
        return new CreatedApiKey { Key = generated.Key, Record = record, Lifetime = lifetime };
    }

    /// <summary>Lists the user's keys, newest first.</summary>
    public async ValueTask<IReadOnlyList<ApiKeyRecord>> ListApiKeysAsync(MaasUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        var keys = new List<ApiKeyRecord>();
        await foreach (var key in _store.ListAsync(user.Name, cancellationToken).ConfigureAwait(false))
        {
            keys.Add(key);
        }

        return keys;
    }

    /// <summary>
    /// Returns one of the user's keys (any user's for an administrator), or <see langword="null"/>
    /// when it does not exist or is someone else's.
    /// </summary>
    public ValueTask<ApiKeyRecord?> GetApiKeyAsync(MaasUser user, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        StorableText.Require(user);

        // No stored key has such an id: not found, without asking a store that may refuse the text.
        if (!StorableText.IsStorable(id))
        {
            return ValueTask.FromResult<ApiKeyRecord?>(null);
        }

        return IsAdministrator(user) ? _store.FindByIdAsync(id, cancellationToken) : _store.GetAsync(user.Name, id, cancellationToken);
    }

    /// <summary>
    /// Revokes one of the user's keys (any user's for an administrator); <see langword="false"/>
    /// when it does not exist or is someone else's.
    /// </summary>
    public async ValueTask<bool> RevokeApiKeyAsync(MaasUser user, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        StorableText.Require(user);
        if (!StorableText.IsStorable(id))
        {
            return false;
        }

        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.revoke_api_key");
        var owner = user.Name;
        if (IsAdministrator(user))
        {
            // An administrator revokes whoever's key it is, in its owner's name.
            var key = await _store.FindByIdAsync(id, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                return false;
            }

            owner = key.Owner;
        }

        var revoked = await _store.RevokeAsync(owner, id, _time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        activity?.SetTag("maas.revoked", revoked);
        if (revoked)
        {
            _metrics.Revoked("key");
            _revocations.Publish(new RevocationEvent { Owner = owner, KeyId = id });
        }

        return revoked;
    }

    /// <summary>
    /// Revokes every token and key the user holds now: tokens issued before this instant fail
    /// validation, and all their keys are marked revoked. Returns how many keys were newly revoked.
    /// </summary>
    public async ValueTask<int> RevokeAllAsync(MaasUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.revoke_all");
        var now = _time.GetUtcNow();
        var count = await _store.RevokeAllAsync(user.Name, now, cancellationToken).ConfigureAwait(false);
        _revocations.Publish(new RevocationEvent { Owner = user.Name, RevokedBefore = now });
        await _issuer.RevokeAllAsync(user, cancellationToken).ConfigureAwait(false);
        _metrics.Revoked("all");
        activity?.SetTag("maas.revoked_keys", count);
        return count;
    }

    /// <summary>Validates a presented token or key: the user, tier and validity, or why it is refused.</summary>
    /// <remarks>
    /// Each validation is a <c>maas.validate</c> span (when something listens) tagged with the
    /// credential kind, the cache outcome and the result; never the credential.
    /// </remarks>
    public ValueTask<CredentialValidation> ValidateAsync(string credential, CancellationToken cancellationToken = default)
    {
        var activity = MaasMetrics.ActivitySource.StartActivity("maas.validate");
        return activity is null ? _validator.ValidateAsync(credential, cancellationToken) : ValidateTracedAsync(activity, credential, cancellationToken);
    }

    private async ValueTask<CredentialValidation> ValidateTracedAsync(System.Diagnostics.Activity activity, string credential, CancellationToken cancellationToken)
    {
        using (activity)
        {
            try
            {
                var validation = await _validator.ValidateAsync(credential, cancellationToken).ConfigureAwait(false);
                activity.SetTag("maas.validation.result", ValidationMetrics.OutcomeTag(validation.Failure));
                return validation;
            }
            catch (Exception ex)
            {
                activity.SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.GetType().Name);
                throw;
            }
        }
    }

    private static void Failed(System.Diagnostics.Activity? activity, Exception exception, Action<string> count)
    {
        var result = MaasMetrics.FailureResult(exception);
        count(result);
        activity?.SetTag("maas.result", result);
        activity?.SetStatus(System.Diagnostics.ActivityStatusCode.Error, result);
    }

    /// <summary>Lists the models the user's tier may use; throws <see cref="NoTierException"/> when no tier applies.</summary>
    public ValueTask<IReadOnlyList<ModelDescriptor>> ListModelsAsync(MaasUser user, CancellationToken cancellationToken = default) =>
        _models.ListAsync(GetTier(user), cancellationToken);
}
