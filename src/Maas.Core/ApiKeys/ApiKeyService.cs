using Maas.Administration;
using Maas.Auditing;
using Maas.Durations;
using Maas.Errors;
using Maas.Revocation;
using Maas.Telemetry;
using Maas.Tiers;
using Maas.Users;
using Maas.Validation;
using Microsoft.Extensions.Options;

namespace Maas.ApiKeys;

/// <summary>
/// A user's API keys: create, list, read, revoke and rotate them. Who may reach whose key is
/// decided here, never in a host; every change is recorded in the audit trail. Registered by
/// <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class ApiKeyService
{
    private readonly ApiKeyPolicy _policy;
    private readonly LifetimePolicy _ephemeralPolicy;
    private readonly ITierResolver _tiers;
    private readonly IKeyStore _store;
    private readonly IKeyAdministrationStore _administration;
    private readonly Administrators _administrators;
    private readonly CredentialValidator _validator;
    private readonly RevocationSignal _revocations;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly MaasMetrics _metrics;

    internal ApiKeyService(
        IOptions<MaasOptions> options,
        ITierResolver tiers,
        IKeyStore store,
        IKeyAdministrationStore administration,
        Administrators administrators,
        CredentialValidator validator,
        RevocationSignal revocations,
        IAuditLog audit,
        TimeProvider time,
        MaasMetrics metrics)
    {
        _policy = options.Value.ApiKeys;
        _ephemeralPolicy = EphemeralLifetimes(options.Value.Tokens);
        _tiers = tiers;
        _store = store;
        _administration = administration;
        _administrators = administrators;
        _validator = validator;
        _revocations = revocations;
        _audit = audit;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>
    /// Creates a named API key for the user. Throws <see cref="InvalidRequestException"/> for a bad
    /// name, description, lifetime or subscription (a tier the user is not entitled to: code
    /// <c>invalid_subscription</c>) and <see cref="NoTierException"/> when no tier applies. The key
    /// and its audit entry (with <paramref name="context"/>: the request's id and address) are stored
    /// together in one store operation; when the store cannot commit them,
    /// <see cref="StoreUnavailableException"/> is thrown and neither exists, so no key exists that the
    /// trail does not show.
    /// </summary>
    public async ValueTask<CreatedApiKey> CreateAsync(MaasUser user, ApiKeyRequest request, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
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
            MaasMetrics.Failed(activity, ex, _metrics.ApiKeyCreated);
            throw;
        }
    }

    private async ValueTask<CreatedApiKey> CreateApiKeyCoreAsync(MaasUser user, ApiKeyRequest request, MaasRequestContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var now = _time.GetUtcNow();

        // The later Go service names an unnamed ephemeral key itself; a blank name is still refused.
        var name = ApiKeyNameRules.NormalizeName(
            request.Ephemeral && string.IsNullOrEmpty(request.Name) ? EphemeralName(now) : request.Name);
        var description = ApiKeyNameRules.NormalizeDescription(request.Description);
        StorableText.Require("name", name);
        StorableText.Require(user);
        var labels = ApiKeyLabels.Normalize("labels", request.Labels);
        var lifetime = request.Ephemeral ? EphemeralLifetime(request.Expiration) : LifetimeRules.Apply(_policy, request.Expiration);
        // A subscription names the tier the key draws on; without one, the owner's highest applies.
        var subscription = ApiKeySubscriptions.Normalize("subscription", request.Subscription);
        var tier = subscription is null ? _tiers.GetTier(user) : ApiKeySubscriptions.Resolve(_tiers, "subscription", subscription, user.Groups);
        var limits = ApiKeyLimitRules.Normalize("limits", request.Limits, tier);

        var generated = ApiKeyFormat.Generate(_policy.Prefix);
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
            Ephemeral = request.Ephemeral,
            Limits = limits,
            Subscription = subscription,
        };

        // The key and its entry commit together: appended after the add, an entry lost to an outage
        // between the two writes left a key the trail never showed.
        await _store.AddAsync(record, AuditEntries.Create(user, AuditAction.Create, user.Name, record.Id, null, now, context), cancellationToken).ConfigureAwait(false);
        _validator.KeyCreated(record.Hash);
        return new CreatedApiKey { Key = generated.Key, Record = record, Lifetime = lifetime };
    }

    /// <summary>
    /// Lists the user's keys, newest first. Ephemeral keys are left out, as the later Go service
    /// leaves them out of its listing (a search with <see cref="ApiKeySearchRequest.IncludeEphemeral"/> finds them).
    /// </summary>
    public async ValueTask<IReadOnlyList<ApiKeyRecord>> ListAsync(MaasUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        var keys = new List<ApiKeyRecord>();
        await foreach (var key in _store.ListAsync(user.Name, cancellationToken).ConfigureAwait(false))
        {
            if (!key.Ephemeral)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>
    /// Sets or changes the own limits of any key (<see langword="null"/>, or limits of all zeros,
    /// clears them): administrators only (anyone else, the key's owner too, gets
    /// <see cref="AdministratorRequiredException"/>, so an owner never raises what an administrator
    /// set). The limits follow the creation rules against the tier the key's owner groups resolve to
    /// now (<see cref="InvalidRequestException"/> naming the field). The change and its audit entry,
    /// holding the old and the new limits, commit together; every replica's cache then drops the key
    /// (as for a revocation), so the gateway counts the new limits from the key's next validation.
    /// Returns the key as changed, or <see langword="null"/> when no key has that id.
    /// </summary>
    public async ValueTask<ApiKeyRecord?> SetLimitsAsync(MaasUser user, string id, ApiKeyLimits? limits, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        StorableText.Require(user);
        if (!_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may set or change a key's limits.");
        }

        if (!StorableText.IsStorable(id))
        {
            return null;
        }

        var key = await _administration.FindByIdAsync(id, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return null;
        }

        // An owner who resolves to no tier any more (or is no longer entitled to the key's subscription)
        // cannot use the key; its limits are still bounded. A subscription's tier is the one they are checked against.
        var tier = (key.Subscription is { } subscription ? _tiers.ResolveSubscription(subscription, key.OwnerGroups) : _tiers.Resolve(key.OwnerGroups))
            ?? new Tier { Name = "" };
        var normalized = ApiKeyLimitRules.Normalize("limits", limits, tier);
        var store = _store as IKeyLimitsStore ?? throw new InvalidOperationException($"The key store {_store.GetType().Name} does not implement {nameof(IKeyLimitsStore)}, which changing a key's limits needs.");
        var now = _time.GetUtcNow();
        var entry = AuditEntries.Create(user, AuditAction.SetLimits, key.Owner, key.Id, null, now, context) with
        {
            Detail = ApiKeyLimitRules.Describe(key.Limits, normalized),
        };
        var before = await store.SetLimitsAsync(key.Id, normalized, entry, cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return null;
        }

        // This replica's cache drops the owner's keys now; shared stores told the other replicas.
        _revocations.Publish(new RevocationEvent { Owner = key.Owner, KeyId = key.Id });
        return before with { Limits = normalized };
    }

    /// <summary>
    /// Returns one of the user's keys (any user's for an administrator), or <see langword="null"/>
    /// when it does not exist or is someone else's. An API key whose groups name an administrator
    /// group reads its owner's keys; any other id is <see cref="AdministratorRequiredException"/>
    /// (whether or not such a key exists), saying that administrator actions need a live sign-in.
    /// </summary>
    public ValueTask<ApiKeyRecord?> GetAsync(MaasUser user, string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        StorableText.Require(user);

        // No stored key has such an id: not found, without asking a store that may refuse the text.
        if (!StorableText.IsStorable(id))
        {
            return ValueTask.FromResult<ApiKeyRecord?>(null);
        }

        if (_administrators.Includes(user))
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
    /// as in <see cref="GetAsync"/>. Recorded in the audit trail with
    /// <paramref name="context"/>; if the record cannot be written, <see cref="StoreUnavailableException"/>
    /// is thrown after the revocation, and a retry records it.
    /// </summary>
    public async ValueTask<bool> RevokeAsync(MaasUser user, string id, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
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
        if (_administrators.Includes(user))
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
            await _audit.RecordAsync(user, AuditAction.Revoke, owner, id, null, now, context, cancellationToken).ConfigureAwait(false);
        }

        return revoked;
    }

    /// <summary>
    /// Rotates one of the user's keys: a new key with the old one's name, description and other
    /// settings (labels, limits, subscription), the user's groups and a fresh default lifetime, shown once; the old key keeps
    /// working until <paramref name="grace"/> (or <c>Maas:ApiKeys:Rotation:DefaultGrace</c>) has
    /// passed, then fails as expired on every replica. Returns <see langword="null"/> when the key
    /// does not exist or is someone else's. Throws <see cref="InvalidRequestException"/> for a
    /// grace that is negative or above <c>MaximumGrace</c>, and <see cref="CredentialConflictException"/>
    /// when the key is revoked, expired or already rotated (its message names the replacement, which
    /// is the key to rotate instead; the old key keeps its first grace end).
    /// </summary>
    public async ValueTask<RotatedApiKey?> RotateAsync(
        MaasUser user, string id, GoDuration? grace, MaasRequestContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(id);
        ArgumentNullException.ThrowIfNull(context);
        StorableText.Require(user);
        var policy = _policy.Rotation;
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
        var lifetime = LifetimeRules.Apply(_policy, null);
        _ = _tiers.GetTier(user);
        var old = await _store.GetAsync(user.Name, id, cancellationToken).ConfigureAwait(false);
        if (old is null)
        {
            return null;
        }

        if (old.Ephemeral)
        {
            // A replacement would inherit a lifetime of hours as one of weeks: short-lived keys are made anew.
            throw new CredentialConflictException($"API key '{old.Id}' is ephemeral; an ephemeral key is not rotated (create a new one).");
        }

        var generated = ApiKeyFormat.Generate(_policy.Prefix);
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
                Audit = AuditEntries.Create(user, AuditAction.Rotate, old.Owner, replacement.Id, null, now, context) with { ReplacedKeyId = old.Id },
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
    /// The lifetimes of ephemeral keys: a token's bounds (<c>Maas:Tokens</c>), 1 hour when none is
    /// asked (the later Go service's default), or the bound nearest to it.
    /// </summary>
    private static LifetimePolicy EphemeralLifetimes(LifetimePolicy tokens)
    {
        var hour = GoDuration.FromHours(1);
        var fallback = hour > tokens.Maximum ? tokens.Maximum : hour < tokens.Minimum ? tokens.Minimum : hour;
        return new LifetimePolicy { Default = fallback, Minimum = tokens.Minimum, Maximum = tokens.Maximum };
    }

    private GoDuration EphemeralLifetime(GoDuration? requested)
    {
        if (requested is { } value && value > _ephemeralPolicy.Maximum)
        {
            throw new InvalidRequestException(
                "expiration",
                $"an ephemeral key's expiration must be at most {_ephemeralPolicy.Maximum} (ephemeral_max_expiration; got {value}).");
        }

        return LifetimeRules.Apply(_ephemeralPolicy, requested);
    }

    private static string EphemeralName(DateTimeOffset now) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"ephemeral-{(now - DateTimeOffset.UnixEpoch).Ticks * 100}");

    /// <summary>
    /// The key <paramref name="id"/> when it is <paramref name="user"/>'s own, for a user from an API key
    /// whose groups name an administrator group (one an administrator created): any other id is 403
    /// saying why, whether or not such a key exists, so a former administrator learns nothing of others' keys.
    /// </summary>
    private async ValueTask<ApiKeyRecord?> OwnKeyOrRefusalAsync(MaasUser user, string id, string action, CancellationToken cancellationToken) =>
        await _store.GetAsync(user.Name, id, cancellationToken).ConfigureAwait(false)
            ?? throw Administrators.Refusal(user, $"{user.Name} has no key with this id, and only an administrator may {action} another user's key.");
}
