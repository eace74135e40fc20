using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
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
    private readonly IKeyAdministrationStore _administration;
    private readonly IModelCatalog _models;
    private readonly RevocationSignal _revocations;
    private readonly CredentialValidator _validator;
    private readonly TimeProvider _time;
    private readonly MaasMetrics _metrics;
    private readonly Administrators _administrators;
    private readonly IAuditLog _audit;

    internal MaasService(
        IOptions<MaasOptions> options,
        ITierResolver tiers,
        ITokenIssuer issuer,
        IKeyStore store,
        IKeyAdministrationStore administration,
        IModelCatalog models,
        RevocationSignal revocations,
        CredentialValidator validator,
        TimeProvider time,
        IAuditLog audit,
        MaasMetrics? metrics = null)
    {
        _options = options.Value;
        _tiers = tiers;
        _issuer = issuer;
        _store = store;
        _administration = administration;
        _models = models;
        _revocations = revocations;
        _validator = validator;
        _time = time;
        _metrics = metrics ?? new MaasMetrics(null);
        _administrators = new Administrators(_options.Admins);
        _audit = audit;
    }

    /// <summary>Gets the current time as the service sees it (status of keys is computed against it).</summary>
    public DateTimeOffset Now => _time.GetUtcNow();

    /// <summary>
    /// Tells whether <paramref name="user"/> administers keys: a member of one of the configured
    /// <c>Maas:Admins:Groups</c>, not established from an API key (<see cref="MaasUser.FromApiKey"/>:
    /// a key's groups are fixed when it is created, so its owner may have left the group since).
    /// Administrators may search, read and revoke any user's keys and read the audit trail.
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
    /// name, description or lifetime and <see cref="NoTierException"/> when no tier applies. The key
    /// and its audit entry (with <paramref name="context"/>: the request's id and address) are stored
    /// together in one store operation; when the store cannot commit them,
    /// <see cref="StoreUnavailableException"/> is thrown and neither exists, so no key exists that the
    /// trail does not show.
    /// </summary>
    public async ValueTask<CreatedApiKey> CreateApiKeyAsync(MaasUser user, ApiKeyRequest request, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.create_api_key");
        try
        {
            var created = await CreateApiKeyCoreAsync(user, request, context, cancellationToken).ConfigureAwait(false);
            _metrics.ApiKeyCreated("success");
            return created;
        }
        catch (Exception ex)
        {
            Failed(activity, ex, _metrics.ApiKeyCreated);
            throw;
        }
    }

    private async ValueTask<CreatedApiKey> CreateApiKeyCoreAsync(MaasUser user, ApiKeyRequest request, MaasRequestContext context, CancellationToken cancellationToken)
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

        // The key and its entry commit together: appended after the add, an entry lost to an outage
        // between the two writes left a key the trail never showed.
        await _store.AddAsync(record, Entry(user, AuditAction.Create, user.Name, record.Id, null, now, context), cancellationToken).ConfigureAwait(false);
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
    /// when it does not exist or is someone else's. An API key whose groups name an administrator
    /// group reads its owner's keys; any other id is <see cref="AdministratorRequiredException"/>
    /// (whether or not such a key exists), saying that administrator actions need a live sign-in.
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

        if (IsAdministrator(user))
        {
            return _administration.FindByIdAsync(id, cancellationToken);
        }

        return _administrators.NamesAdministratorGroup(user)
            ? OwnKeyOrRefusalAsync(user, id, "read", cancellationToken)
            : _store.GetAsync(user.Name, id, cancellationToken);
    }

    /// <summary>
    /// Revokes one of the user's keys (any user's for an administrator); <see langword="false"/>
    /// when it does not exist or is someone else's. An API key whose groups name an administrator
    /// group revokes its owner's keys; any other id is <see cref="AdministratorRequiredException"/>,
    /// as in <see cref="GetApiKeyAsync"/>. Recorded in the audit trail with
    /// <paramref name="context"/>; if the record cannot be written, <see cref="StoreUnavailableException"/>
    /// is thrown after the revocation, and a retry records it.
    /// </summary>
    public async ValueTask<bool> RevokeApiKeyAsync(MaasUser user, string id, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
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
            var key = await _administration.FindByIdAsync(id, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                return false;
            }

            owner = key.Owner;
        }
        else if (_administrators.NamesAdministratorGroup(user))
        {
            await OwnKeyOrRefusalAsync(user, id, "revoke", cancellationToken).ConfigureAwait(false);
        }

        var now = _time.GetUtcNow();
        var revoked = await _store.RevokeAsync(owner, id, now, cancellationToken).ConfigureAwait(false);
        activity?.SetTag("maas.revoked", revoked);
        if (revoked)
        {
            _metrics.Revoked("key");
            _revocations.Publish(new RevocationEvent { Owner = owner, KeyId = id });

            // Revoking is idempotent: when the entry cannot be appended the caller gets 503 and
            // retries, and the retry (the key already revoked) appends it.
            await AuditAsync(user, AuditAction.Revoke, owner, id, null, now, context, cancellationToken).ConfigureAwait(false);
        }

        return revoked;
    }

    /// <summary>
    /// Revokes every token and key the user holds now: tokens issued before this instant fail
    /// validation, and all their keys are marked revoked. Returns how many keys were newly revoked.
    /// Recorded in the audit trail with <paramref name="context"/>, as <see cref="RevokeApiKeyAsync"/>.
    /// </summary>
    public async ValueTask<int> RevokeAllAsync(MaasUser user, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.revoke_all");
        var now = _time.GetUtcNow();
        var count = await _store.RevokeAllAsync(user.Name, now, cancellationToken).ConfigureAwait(false);
        _revocations.Publish(new RevocationEvent { Owner = user.Name, RevokedBefore = now });
        await _issuer.RevokeAllAsync(user, cancellationToken).ConfigureAwait(false);
        _metrics.Revoked("all");
        activity?.SetTag("maas.revoked_keys", count);

        // Idempotent, as a single revocation: a failed append is a 503 the caller retries.
        await AuditAsync(user, AuditAction.RevokeAll, user.Name, null, count, now, context, cancellationToken).ConfigureAwait(false);
        return count;
    }

    /// <summary>
    /// Rotates one of the user's keys: a new key with the old one's name, description and other
    /// settings, the user's groups and a fresh default lifetime, shown once; the old key keeps
    /// working until <paramref name="grace"/> (or <c>Maas:ApiKeys:Rotation:DefaultGrace</c>) has
    /// passed, then fails as expired on every replica. Returns <see langword="null"/> when the key
    /// does not exist or is someone else's. Throws <see cref="InvalidRequestException"/> for a
    /// grace that is negative or above <c>MaximumGrace</c>, and <see cref="CredentialConflictException"/>
    /// when the key is revoked, expired or already rotated (its message names the replacement, which
    /// is the key to rotate instead; the old key keeps its first grace end).
    /// </summary>
    public async ValueTask<RotatedApiKey?> RotateApiKeyAsync(
        MaasUser user, string id, GoDuration? grace, MaasRequestContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(context);
        StorableText.Require(user);
        var policy = _options.ApiKeys.Rotation;
        var graceValue = grace ?? policy.DefaultGrace;
        if (graceValue.Nanoseconds < 0)
        {
            throw new InvalidRequestException("grace", $"grace must not be negative (got {graceValue}).");
        }

        if (graceValue > policy.MaximumGrace)
        {
            throw new InvalidRequestException("grace", $"grace must be at most {policy.MaximumGrace} (got {graceValue}).");
        }

        if (!StorableText.IsStorable(id))
        {
            return null;
        }

        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.rotate_api_key");
        var lifetime = LifetimeRules.Apply(_options.ApiKeys, null);
        _ = GetTier(user);
        var old = await _store.GetAsync(user.Name, id, cancellationToken).ConfigureAwait(false);
        if (old is null)
        {
            return null;
        }

        var generated = ApiKeyFormat.Generate();
        var now = _time.GetUtcNow();

        // "with": whatever else a key carries (labels, settings added later) moves to its replacement.
        var replacement = old with
        {
            Id = generated.KeyId,
            Hash = generated.Hash,
            OwnerGroups = user.Groups,
            CreatedAt = now,
            ExpiresAt = now + lifetime.ToTimeSpan(),
            RevokedAt = null,
            LastUsedAt = null,
            RotatedFrom = old.Id,
            ReplacedBy = null,
        };
        var result = await _store.RotateAsync(
            new KeyRotation
            {
                Owner = user.Name,
                KeyId = old.Id,
                Replacement = replacement,
                GraceEndsAt = now + graceValue.ToTimeSpan(),
                At = now,
                Audit = Entry(user, AuditAction.Rotate, old.Owner, replacement.Id, null, now, context) with { ReplacedKeyId = old.Id },
            },
            cancellationToken).ConfigureAwait(false);
        activity?.SetTag("maas.rotation", result.Outcome.ToString());
        switch (result.Outcome)
        {
            case KeyRotationOutcome.NotFound:
                return null;
            case KeyRotationOutcome.Revoked:
                throw new CredentialConflictException($"API key '{old.Id}' is revoked; a revoked key cannot be rotated.");
            case KeyRotationOutcome.Expired:
                throw new CredentialConflictException($"API key '{old.Id}' has expired; an expired key cannot be rotated (create a new one).");
            case KeyRotationOutcome.AlreadyReplaced:
                throw new CredentialConflictException(
                    $"API key '{old.Id}' was already rotated; its replacement is '{result.Previous?.ReplacedBy}' (rotate that key instead).");
        }

        _validator.KeyCreated(replacement.Hash);

        // Cached answers about the old key carry its former expiry: drop them here; the store told the other replicas.
        _revocations.Publish(new RevocationEvent { Owner = user.Name, KeyId = old.Id });
        _metrics.ApiKeyCreated("success");
        return new RotatedApiKey { Key = generated.Key, Record = replacement, Lifetime = lifetime, Previous = result.Previous! };
    }

    /// <summary>
    /// Reads a page of the audit trail. Only administrators (<see cref="IsAdministrator"/>) may; anyone
    /// else, an API key included whatever its groups, gets <see cref="AdministratorRequiredException"/>. Throws <see cref="InvalidRequestException"/> for a
    /// limit outside 1 to <see cref="AuditQuery.MaxLimit"/>.
    /// </summary>
    public ValueTask<AuditPage> ReadAuditAsync(MaasUser user, AuditQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(query);
        if (!IsAdministrator(user))
        {
            throw Administrators.Refusal(user, "Only administrators may read the audit trail.");
        }

        if (query.Limit is < 1 or > AuditQuery.MaxLimit)
        {
            throw new InvalidRequestException("limit", $"limit must be between 1 and {AuditQuery.MaxLimit} (got {query.Limit}).");
        }

        foreach (var (field, text) in new[] { ("actor", query.Actor), ("subject", query.Subject), ("key_id", query.KeyId) })
        {
            StorableText.Require(field, text);
        }

        return _audit.QueryAsync(query, cancellationToken);
    }

    /// <summary>
    /// Appends an audit entry for an action already taken.
    /// A store that cannot append throws <see cref="StoreUnavailableException"/>, which hosts answer 503:
    /// every action recorded this way is idempotent, so the caller's retry records it.
    /// </summary>
    internal ValueTask AuditAsync(
        MaasUser actor, AuditAction action, string subject, string? keyId, int? count, DateTimeOffset at, MaasRequestContext context, CancellationToken cancellationToken) =>
        _audit.AppendAsync(Entry(actor, action, subject, keyId, count, at, context), cancellationToken);

    private static AuditEntry Entry(MaasUser actor, AuditAction action, string subject, string? keyId, int? count, DateTimeOffset at, MaasRequestContext context) => new()
    {
        At = at,
        Action = action,
        Actor = actor.Name,
        Subject = subject,
        KeyId = keyId,
        Count = count,
        RequestId = context.RequestId,
        ClientAddress = context.ClientAddress,
    };

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
