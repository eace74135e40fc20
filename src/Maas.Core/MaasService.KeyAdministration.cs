using Maas.Administration;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Errors;
using Maas.Revocation;
using Maas.Telemetry;
using Maas.Users;

namespace Maas;

/// <summary>Key search and bulk revoke: who may reach whose keys is decided here, never in a host.</summary>
public sealed partial class MaasService
{
    /// <summary>The default page size of a key search, as the Go service's.</summary>
    internal const int DefaultSearchLimit = 50;

    /// <summary>The largest page of a key search; a larger limit is capped to it, as the Go service does.</summary>
    internal const int MaxSearchLimit = 100;

    /// <summary>
    /// Searches keys: the caller's own, or, for an administrator, one named user's or (no
    /// username) everyone's. Throws <see cref="AdministratorRequiredException"/> when someone else
    /// names another user, and <see cref="InvalidRequestException"/> naming the bad field.
    /// </summary>
    public async ValueTask<ApiKeySearchResult> SearchApiKeysAsync(MaasUser user, ApiKeySearchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentNullException.ThrowIfNull(request);
        StorableText.Require(user);
        var owner = SearchOwner(user, request.Username);
        var statuses = ParseStatuses(request.Statuses);
        var labels = ApiKeyLabels.Normalize("filters.labelsContain", request.LabelsContain);
        var sortBy = ParseSortBy(request.SortBy);
        var descending = ParseDescending(request.SortOrder);
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
            },
            cancellationToken).ConfigureAwait(false);
        var next = page.HasMore && page.Keys.Count > 0 ? ApiKeySearchCursor.Encode(sortBy, descending, page.Keys[^1]) : null;
        return new ApiKeySearchResult(page.Keys, page.HasMore, next);
    }

    /// <summary>
    /// Revokes every active API key of <paramref name="username"/> (tokens are untouched:
    /// <see cref="RevokeAllAsync"/> revokes those), or with <paramref name="dryRun"/> only counts
    /// them. A user may target themselves; anyone else needs to be an administrator
    /// (<see cref="AdministratorRequiredException"/>). Every revoked key is announced like a
    /// single revocation, so every replica's caches drop it. A real run is recorded in the audit
    /// trail with <paramref name="context"/> (a dry run changes nothing and is not); if the record
    /// cannot be written, <see cref="StoreUnavailableException"/> is thrown after the revocation,
    /// and a retry (which revokes nothing more) records it.
    /// </summary>
    public async ValueTask<BulkRevocation> BulkRevokeApiKeysAsync(MaasUser user, string? username, bool dryRun, MaasRequestContext? context = null, CancellationToken cancellationToken = default)
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
        if (!string.Equals(target, user.Name, StringComparison.Ordinal) && !IsAdministrator(user))
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

            await AuditAsync(user, AuditAction.BulkRevoke, target, null, ids.Count, now, context, cancellationToken).ConfigureAwait(false);
        }

        activity?.SetTag("maas.revoked_keys", ids.Count);
        return new BulkRevocation(target, ids.Count, dryRun);
    }

    /// <summary>
    /// The key <paramref name="id"/> when it is <paramref name="user"/>'s own, for a user from an API key
    /// whose groups name an administrator group (one an administrator created): any other id is 403
    /// saying why, whether or not such a key exists, so a former administrator learns nothing of others' keys.
    /// </summary>
    private async ValueTask<ApiKeyRecord?> OwnKeyOrRefusalAsync(MaasUser user, string id, string action, CancellationToken cancellationToken) =>
        await _store.GetAsync(user.Name, id, cancellationToken).ConfigureAwait(false)
            ?? throw Administrators.Refusal(user, $"{user.Name} has no key with this id, and only an administrator may {action} another user's key.");

    private string? SearchOwner(MaasUser user, string? username)
    {
        if (string.IsNullOrEmpty(username))
        {
            // An administrator naming nobody searches everyone's keys, as in the Go service.
            return IsAdministrator(user) ? null : user.Name;
        }

        if (string.Equals(username, user.Name, StringComparison.Ordinal))
        {
            return user.Name;
        }

        if (!IsAdministrator(user))
        {
            throw Administrators.Refusal(user, "Only an administrator may search another user's keys (filters.username).");
        }

        StorableText.Require("filters.username", username);
        return username;
    }

    private static ApiKeyStatus[] ParseStatuses(IReadOnlyList<string>? statuses)
    {
        if (statuses is null)
        {
            return [];
        }

        var parsed = new HashSet<ApiKeyStatus>();
        foreach (var status in statuses)
        {
            parsed.Add(status?.Trim() switch
            {
                "active" => ApiKeyStatus.Active,
                "revoked" => ApiKeyStatus.Revoked,
                "expired" => ApiKeyStatus.Expired,
                _ => throw new InvalidRequestException("filters.status", "filters.status may hold only active, revoked and expired."),
            });
        }

        return [.. parsed];
    }

    private static ApiKeySortField ParseSortBy(string? sortBy) => sortBy switch
    {
        null or "" or "created_at" => ApiKeySortField.CreatedAt,
        "expires_at" => ApiKeySortField.ExpiresAt,
        "last_used_at" => ApiKeySortField.LastUsedAt,
        "name" => ApiKeySortField.Name,
        _ => throw new InvalidRequestException("sort.by", "sort.by must be one of: created_at, expires_at, last_used_at, name."),
    };

    private static bool ParseDescending(string? order) => order?.Trim().ToUpperInvariant() switch
    {
        null or "" or "DESC" => true,
        "ASC" => false,
        _ => throw new InvalidRequestException("sort.order", "sort.order must be asc or desc."),
    };
}
