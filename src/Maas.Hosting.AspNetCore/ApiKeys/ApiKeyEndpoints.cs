using Maas.Administration;
using Maas.ApiKeys;
using Maas.Errors;
using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.ApiKeys;

/// <summary>The <c>/v1/api-keys</c> endpoints.</summary>
internal static class ApiKeyEndpoints
{
    public static async Task<JsonHttpResult<ApiKeyCreatedResponse>> CreateAsync(
        MaasCaller caller, JsonRequest<ApiKeyCreateRequest> body, ApiKeyService keys, HttpContext context, CancellationToken cancellationToken)
    {
        var request = body.Value!;
        var created = await keys.CreateAsync(
            caller.User,
            new ApiKeyRequest
            {
                Name = request.Name ?? "",
                Description = request.Description,
                Expiration = ApiKeyLifetimeMembers.Read(request),
                Labels = request.Labels,
                Ephemeral = request.Ephemeral ?? false,
                Limits = request.Limits?.ToLimits(),
                Subscription = request.Subscription,
            },
            RequestContexts.From(context),
            cancellationToken).ConfigureAwait(false);

        var response = new ApiKeyCreatedResponse
        {
            Token = created.Key,
            Expiration = created.Lifetime.ToString(),
            ExpiresAt = created.Record.ExpiresAt.ToUnixTimeSeconds(),
            Jti = created.Record.Id,
            KeyPrefix = DisplayPrefix(created.Key, created.Record.Id),
            CreatedAt = InstantText.Format(created.Record.CreatedAt),
            ExpirationDate = InstantText.Format(created.Record.ExpiresAt),
            Name = created.Record.Name,
            Description = created.Record.Description,
            Labels = LabelsOrNull(created.Record),
            Ephemeral = created.Record.Ephemeral,
            Limits = ApiKeyLimitsBody.From(created.Record.Limits),
            Subscription = created.Record.Subscription,
        };
        return TypedResults.Json(response, MaasJsonContext.Default.ApiKeyCreatedResponse, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<JsonHttpResult<IReadOnlyList<ApiKeyMetadata>>> ListAsync(MaasCaller caller, ApiKeyService keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var found = await keys.ListAsync(caller.User, cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var list = new ApiKeyMetadata[found.Count];
        for (var i = 0; i < found.Count; i++)
        {
            list[i] = ToMetadata(found[i], now);
        }

        return TypedResults.Json<IReadOnlyList<ApiKeyMetadata>>(list, MaasJsonContext.Default.IReadOnlyListApiKeyMetadata);
    }

    public static async Task<Results<JsonHttpResult<ApiKeyMetadata>, MaasError>> GetAsync(
        string id, MaasCaller caller, ApiKeyService keys, TimeProvider time, CancellationToken cancellationToken)
    {
        var key = await keys.GetAsync(caller.User, id, cancellationToken).ConfigureAwait(false);
        return key is null
            ? NotFound(id)
            : TypedResults.Json(ToMetadata(key, time.GetUtcNow()), MaasJsonContext.Default.ApiKeyMetadata);
    }

    /// <summary>
    /// Sets or changes a key's own limits: administrators only (403 for anyone else, the key's owner
    /// too), 404 when no key has that id, 400 naming the field for limits out of bounds or above the
    /// owner's tier's; <c>{}</c> clears them. Audited (<c>set_limits</c>, with the old and new limits).
    /// Answers the key as <c>GET</c> does.
    /// </summary>
    public static async Task<Results<JsonHttpResult<ApiKeyMetadata>, MaasError>> SetLimitsAsync(
        string id, MaasCaller caller, JsonRequest<ApiKeyLimitsBody> body, ApiKeyService keys, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        var changed = await keys.SetLimitsAsync(caller.User, id, body.Value!.ToLimits(), RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        return changed is null
            ? NotFound(id)
            : TypedResults.Json(ToMetadata(changed, time.GetUtcNow()), MaasJsonContext.Default.ApiKeyMetadata);
    }

    /// <summary>
    /// Per-key revocation, with the later Go service's answers (the only contract this feature has):
    /// 200 with the key's state after the revocation, 404 when the key does not exist, is someone
    /// else's, or was already revoked. The revocation itself is unchanged and stays idempotent
    /// underneath: revoking a revoked key still reaches the service, so a retry after a 503 (the
    /// audit entry could not be written) records the entry, and then answers 404. Two revocations
    /// racing may both answer 200; the key is revoked once, at the first instant.
    /// </summary>
    public static async Task<Results<JsonHttpResult<ApiKeyMetadata>, MaasError>> RevokeAsync(
        string id, MaasCaller caller, ApiKeyService keys, TimeProvider time, HttpContext context, CancellationToken cancellationToken)
    {
        var before = await keys.GetAsync(caller.User, id, cancellationToken).ConfigureAwait(false);
        if (before is null)
        {
            return NotFound(id);
        }

        var revoked = await keys.RevokeAsync(caller.User, id, RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        if (!revoked || before.RevokedAt is not null)
        {
            return NotFound(id);
        }

        var after = await keys.GetAsync(caller.User, id, cancellationToken).ConfigureAwait(false);
        return after is null
            ? NotFound(id)
            : TypedResults.Json(ToMetadata(after, time.GetUtcNow()), MaasJsonContext.Default.ApiKeyMetadata);
    }

    public static async Task<JsonHttpResult<ApiKeySearchResponse>> SearchAsync(
        MaasCaller caller, JsonRequest<ApiKeySearchBody> body, KeyAdministrationService administration, TimeProvider time, CancellationToken cancellationToken)
    {
        var result = await administration.SearchAsync(caller.User, body.Value.ToSearchRequest(), cancellationToken).ConfigureAwait(false);
        var now = time.GetUtcNow();
        var data = new ApiKeyView[result.Keys.Count];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = ToView(result.Keys[i], now);
        }

        return TypedResults.Json(
            new ApiKeySearchResponse { Data = data, HasMore = result.HasMore, NextCursor = result.NextCursor },
            MaasJsonContext.Default.ApiKeySearchResponse);
    }

    public static async Task<JsonHttpResult<BulkRevokeResponse>> BulkRevokeAsync(
        MaasCaller caller, JsonRequest<BulkRevokeBody> body, KeyAdministrationService administration, HttpContext context, CancellationToken cancellationToken)
    {
        var request = body.Value!;
        var bySubscription = !string.IsNullOrWhiteSpace(request.Subscription);
        if (!bySubscription && string.IsNullOrWhiteSpace(request.Username))
        {
            throw new InvalidRequestException("username", "at least one of username or subscription is required.");
        }

        // By subscription (with or without a username): administrators only, as in the later Go service.
        var revocation = bySubscription
            ? await administration.BulkRevokeSubscriptionAsync(caller.User, request.Subscription!, request.Username, request.DryRun, RequestContexts.From(context), cancellationToken).ConfigureAwait(false)
            : await administration.BulkRevokeAsync(caller.User, request.Username, request.DryRun, RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        var scope = revocation.Subscription is null
            ? $"user {revocation.Username}"
            : revocation.Username.Length == 0 ? $"subscription {revocation.Subscription}" : $"user {revocation.Username} in subscription {revocation.Subscription}";
        var message = revocation.DryRun
            ? $"Dry run: {revocation.RevokedCount} active key(s) would be revoked for {scope}"
            : $"Successfully revoked {revocation.RevokedCount} active API key(s) for {scope}";
        return TypedResults.Json(
            new BulkRevokeResponse { RevokedCount = revocation.RevokedCount, Message = message, DryRun = revocation.DryRun },
            MaasJsonContext.Default.BulkRevokeResponse);
    }

    public static JsonHttpResult<ApiKeyConfigResponse> Config(IOptions<MaasOptions> options)
    {
        var value = options.Value;
        return TypedResults.Json(
            new ApiKeyConfigResponse
            {
                // Whole days, rounded down: a key may never be asked to live longer than the maximum.
                MaxExpirationDays = (long)Math.Floor(value.ApiKeys.Maximum.ToTimeSpan().TotalDays),
                EphemeralMaxExpiration = value.Tokens.Maximum.ToString(),
            },
            MaasJsonContext.Default.ApiKeyConfigResponse);
    }

    /// <summary>
    /// The later Go service's <c>POST /internal/v1/api-keys/cleanup</c>: deletes the ephemeral keys that
    /// expired more than the grace ago, now. Administrators only (the Go service relies on a network
    /// policy; here the caller must be one), 403 otherwise.
    /// </summary>
    public static async Task<JsonHttpResult<EphemeralCleanupResponse>> CleanupAsync(
        MaasCaller caller, KeyAdministrationService administration, CancellationToken cancellationToken)
    {
        var deleted = await administration.SweepEphemeralAsync(caller.User, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(
            new EphemeralCleanupResponse { DeletedCount = deleted, Message = $"Successfully deleted {deleted} expired ephemeral key(s)" },
            MaasJsonContext.Default.EphemeralCleanupResponse);
    }

    internal static MaasError NotFound(string id) =>
        MaasError.Create(StatusCodes.Status404NotFound, id.Length <= 64 && IsPrintable(id) ? $"API key '{id}' not found." : "API key not found.");

    private static bool IsPrintable(string id)
    {
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The later Go service's <c>keyPrefix</c>: the key's prefix and the first 12 characters of its
    /// id, then an ellipsis; nothing of the secret.
    /// </summary>
    internal static string DisplayPrefix(string key, string id)
    {
        var prefixLength = key.IndexOf(id, StringComparison.Ordinal);
        return prefixLength < 0 ? "..." : string.Concat(key.AsSpan(0, prefixLength), id.AsSpan(0, Math.Min(12, id.Length)), "...");
    }

    internal static ApiKeyMetadata ToMetadata(ApiKeyRecord key, DateTimeOffset now) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Description = key.Description,
        Username = key.Owner,
        CreationDate = InstantText.Format(key.CreatedAt),
        ExpirationDate = InstantText.Format(key.ExpiresAt),
        Status = Status(key, now),
        LastUsedDate = key.LastUsedAt is { } used ? InstantText.Format(used) : null,
        Labels = LabelsOrNull(key),
        Ephemeral = key.Ephemeral,
        Limits = ApiKeyLimitsBody.From(key.Limits),
        Subscription = key.Subscription,
    };

    internal static ApiKeyView ToView(ApiKeyRecord key, DateTimeOffset now) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Description = key.Description,
        Username = key.Owner,
        Groups = key.OwnerGroups,
        CreationDate = InstantText.Format(key.CreatedAt),
        ExpirationDate = InstantText.Format(key.ExpiresAt),
        Status = Status(key, now),
        LastUsedAt = key.LastUsedAt is { } used ? InstantText.Format(used) : null,
        Labels = LabelsOrNull(key),
        Ephemeral = key.Ephemeral,
        Limits = ApiKeyLimitsBody.From(key.Limits),
        Subscription = key.Subscription,
    };

    // Absent rather than {} when a key has none: the original's answers stay byte for byte the same.
    internal static IReadOnlyDictionary<string, string>? LabelsOrNull(ApiKeyRecord key) => key.Labels.Count == 0 ? null : key.Labels;

    private static string Status(ApiKeyRecord key, DateTimeOffset now) => key.StatusAt(now) switch
    {
        ApiKeyStatus.Active => "active",
        ApiKeyStatus.Expired => "expired",
        _ => "revoked",
    };
}
