using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Errors;
using Maas.Revocation;
using Maas.Telemetry;
using Maas.Users;

namespace Maas.Administration;

/// <summary>
/// Key search and bulk revoke: the caller's own keys, or, for an administrator, anyone's. Who may
/// reach whose keys is decided here, never in a host. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class KeyAdministrationService
{
    private readonly IKeyAdministrationStore _administration;
    private readonly Administrators _administrators;
    private readonly RevocationSignal _revocations;
    private readonly IAuditLog _audit;
    private readonly TimeProvider _time;
    private readonly MaasMetrics _metrics;
    private readonly EphemeralKeySweeper? _sweeper;

    internal KeyAdministrationService(
        IKeyAdministrationStore administration,
        Administrators administrators,
        RevocationSignal revocations,
        IAuditLog audit,
        TimeProvider time,
        MaasMetrics metrics,
        EphemeralKeySweeper? sweeper = null)
    {
        _sweeper = sweeper;
        _administration = administration;
        _administrators = administrators;
        _revocations = revocations;
        _audit = audit;
        _time = time;
        _metrics = metrics;
    }

    /// <summary>The default page size of a key search, as the Go service's.</summary>
    internal const int DefaultSearchLimit = 50;

    /// <summary>The largest page of a key search; a larger limit is capped to it, as the Go service does.</summary>
    internal const int MaxSearchLimit = 100;

    /// <summary>
    /// Searches keys: the caller's own, or, for an administrator, one named user's or (no
    /// username) everyone's. Throws <see cref="AdministratorRequiredException"/> when someone else
    /// names another user, and <see cref="InvalidRequestException"/> naming the bad field.
    /// </summary>
    public async ValueTask<ApiKeySearchResult> SearchAsync(MaasUser user, ApiKeySearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        StorableText.Require(user);
        var owner = SearchOwner(user, request.Username);
        var statuses = Statuses(request.Statuses);
        var labels = ApiKeyLabels.Normalize("filters.labelsContain", request.LabelsContain);
        var sortBy = request.SortBy;
        if (!Enum.IsDefined(sortBy))
        {
            throw new InvalidRequestException("sort.by", "sort.by must be one of: created_at, expires_at, last_used_at, name.");
        }

        var descending = request.SortOrder switch
        {
            ApiKeySortOrder.Descending => true,
            ApiKeySortOrder.Ascending => false,
            _ => throw new InvalidRequestException("sort.order", "sort.order must be asc or desc."),
        };

        var limit = request.Limit ?? DefaultSearchLimit;
        if (limit < 1)
        {
            throw new InvalidRequestException("pagination.limit", $"pagination.limit must be at least 1 (got {limit}).");
        }

        limit = Math.Min(limit, MaxSearchLimit);
        var offset = request.Offset ?? 0;
        if (offset < 0)
        {
            throw new InvalidRequestException("pagination.offset", $"pagination.offset must not be negative (got {offset}).");
        }

        ApiKeySearchPosition? after = null;
        if (request.Cursor is { } cursor)
        {
            if (offset != 0)
            {
                throw new InvalidRequestException("pagination.offset", "pagination.offset cannot be combined with pagination.cursor: the cursor already says where the page starts.");
            }

            after = ApiKeySearchCursor.Decode(cursor, sortBy, descending);
        }

        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.search_api_keys");
        var page = await _administration.SearchAsync(
            new ApiKeySearch
            {
                Owner = owner,
                Statuses = statuses,
                Labels = labels,
                SortBy = sortBy,
                Descending = descending,
                Now = _time.GetUtcNow(),
                Limit = limit,
                Offset = offset,
                After = after,
                IncludeEphemeral = request.IncludeEphemeral,
                Subscription = ApiKeySubscriptions.Normalize("filters.subscription", request.Subscription),
            },
            cancellationToken).ConfigureAwait(false);
        var next = page.HasMore && page.Keys.Count > 0 ? ApiKeySearchCursor.Encode(sortBy, descending, page.Keys[^1]) : null;
        return new ApiKeySearchResult(page.Keys, page.HasMore, next);
    }

    /// <summary>
    /// Revokes every active API key of <paramref name="username"/> (tokens are untouched:
    /// <see cref="RevocationService.RevokeAllAsync"/> revokes those), or with <paramref name="dryRun"/> only counts
    /// them. A user may target themselves; anyone else needs to be an administrator
    /// (<see cref="AdministratorRequiredException"/>). Every revoked key is announced like a
    /// single revocation, so every replica's caches drop it. A real run is recorded in the audit
    /// trail with <paramref name="context"/> (a dry run changes nothing and is not); if the record
    /// cannot be written, <see cref="StoreUnavailableException"/> is thrown after the revocation,
    /// and a retry (which revokes nothing more) records it.
    /// </summary>
    public async ValueTask<BulkRevocation> BulkRevokeAsync(MaasUser user, string? username, bool dryRun, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        var target = username?.Trim() ?? "";
        if (target.Length == 0)
        {
            throw new InvalidRequestException("username", "username is required: whose active keys to revoke (subscriptions do not exist here; tiers are not revoked).");
        }

        StorableText.Require("username", target);
        if (!string.Equals(target, user.Name, StringComparison.Ordinal) && !_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may bulk revoke another user's keys.");
        }

        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.bulk_revoke_api_keys");
        activity?.SetTag("maas.dry_run", dryRun);
        var now = _time.GetUtcNow();
        var ids = await _administration.RevokeActiveAsync(target, now, dryRun, cancellationToken).ConfigureAwait(false);
        if (!dryRun)
        {
            foreach (var id in ids)
            {
                _metrics.Revoked("key");
                _revocations.Publish(new RevocationEvent { Owner = target, KeyId = id });
            }

            await _audit.RecordAsync(user, AuditAction.BulkRevoke, target, null, ids.Count, now, context, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("maas.revoked_keys", ids.Count);
        return new BulkRevocation(target, ids.Count, dryRun);
    }

    /// <summary>
    /// Revokes every active API key bound to <paramref name="subscription"/> (every owner's, or only
    /// <paramref name="username"/>'s when named), or with <paramref name="dryRun"/> only counts them:
    /// the later Go service's bulk revoke by subscription. Administrators only, whoever's keys they
    /// are (<see cref="AdministratorRequiredException"/>, as in the later service). Each key is revoked
    /// as a single revocation is, announced to every replica; a real run records one audit entry per
    /// owner whose keys it revoked, with <paramref name="context"/>. Keys bound to the subscription
    /// after the run began may be left out; a second run revokes them.
    /// </summary>
    public async ValueTask<BulkRevocation> BulkRevokeSubscriptionAsync(
        MaasUser user, string subscription, string? username, bool dryRun, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
    {
        context ??= MaasRequestContext.None;
        ArgumentNullException.ThrowIfNull(user);
        StorableText.Require(user);
        var bound = ApiKeySubscriptions.Normalize("subscription", subscription)
            ?? throw new InvalidRequestException("subscription", "subscription is required: whose keys to revoke by the subscription they are bound to.");
        var owner = string.IsNullOrWhiteSpace(username) ? null : username.Trim();
        StorableText.Require("username", owner);
        if (!_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may bulk revoke by subscription.");
        }

        var keys = _administration as IKeyStore
            ?? throw new InvalidOperationException($"The key store {_administration.GetType().Name} does not implement {nameof(IKeyStore)}, which revoking by subscription needs.");
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.bulk_revoke_api_keys");
        activity?.SetTag("maas.dry_run", dryRun);
        var now = _time.GetUtcNow();
        var revokedByOwner = new Dictionary<string, int>(StringComparer.Ordinal);
        var count = 0;
        ApiKeySearchPosition? after = null;
        while (true)
        {
            // Keyset pages of the keys active now, oldest first: a revoked key leaves the filter, the position stays.
            var page = await _administration.SearchAsync(
                new ApiKeySearch
                {
                    Owner = owner,
                    Statuses = [ApiKeyStatus.Active],
                    Subscription = bound,
                    IncludeEphemeral = true,
                    SortBy = ApiKeySortField.CreatedAt,
                    Descending = false,
                    Now = now,
                    Limit = MaxSearchLimit,
                    After = after,
                },
                cancellationToken).ConfigureAwait(false);
            foreach (var key in page.Keys)
            {
                if (dryRun)
                {
                    count++;
                }
                else if (await keys.RevokeAsync(key.Owner, key.Id, now, cancellationToken).ConfigureAwait(false))
                {
                    count++;
                    revokedByOwner[key.Owner] = revokedByOwner.GetValueOrDefault(key.Owner) + 1;
                    _metrics.Revoked("key");
                    _revocations.Publish(new RevocationEvent { Owner = key.Owner, KeyId = key.Id });
                }
            }

            if (!page.HasMore || page.Keys.Count == 0)
            {
                break;
            }

            var last = page.Keys[^1];
            after = new ApiKeySearchPosition(last.Id, last.CreatedAt, null);
        }

        foreach (var (revokedOwner, revoked) in revokedByOwner)
        {
            await _audit.RecordAsync(user, AuditAction.BulkRevoke, revokedOwner, null, revoked, now, context, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("maas.revoked_keys", count);
        return new BulkRevocation(owner ?? "", count, dryRun) { Subscription = bound };
    }

    /// <summary>
    /// Deletes the ephemeral keys that expired more than <c>Maas:ApiKeys:Ephemeral:Grace</c> ago, now
    /// rather than at the next sweep (the later Go service's <c>POST /internal/v1/api-keys/cleanup</c>),
    /// and returns how many it deleted. Only an administrator may (<see cref="AdministratorRequiredException"/>).
    /// </summary>
    public async ValueTask<long> SweepEphemeralAsync(MaasUser user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        if (!_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may sweep expired ephemeral keys.");
        }

        return _sweeper is null ? 0 : await _sweeper.SweepAsync(cancellationToken).ConfigureAwait(false);
    }

    private string? SearchOwner(MaasUser user, string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            // An administrator naming nobody searches everyone's keys, as in the Go service.
            return _administrators.Includes(user) ? null : user.Name;
        }

        if (string.Equals(username, user.Name, StringComparison.Ordinal))
        {
            return user.Name;
        }

        if (!_administrators.Includes(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may search another user's keys (filters.username).");
        }

        StorableText.Require("filters.username", username);
        return username;
    }

    // Any of the statuses, each once; a value outside the enum is refused as a bad wire word was.
    private static ApiKeyStatus[] Statuses(IReadOnlyCollection<ApiKeyStatus>? statuses)
    {
        if (statuses is null || statuses.Count == 0)
        {
            return [];
        }

        var distinct = new HashSet<ApiKeyStatus>();
        foreach (var status in statuses)
        {
            if (!Enum.IsDefined(status))
            {
                throw new InvalidRequestException("filters.status", "filters.status may hold only active, revoked and expired.");
            }

            distinct.Add(status);
        }

        return [.. distinct];
    }
}
