using System.Globalization;
using Maas.ApiKeys;
using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.ApiKeys;

/// <summary>The <c>/v1/api-keys</c> endpoints.</summary>
internal static class ApiKeyEndpoints
{
    public static async Task<JsonHttpResult<ApiKeyCreatedResponse>> CreateAsync(
        MaasCaller caller, JsonRequest<ApiKeyCreateRequest> body, MaasService service, HttpContext context, CancellationToken cancellationToken)
    {
        var request = body.Value!;
        var created = await service.CreateApiKeyAsync(
            caller.User,
            new ApiKeyRequest
            {
                Name = request.Name ?? "",
                Description = request.Description,
                Expiration = ExpirationField.Read(request.Expiration),
            },
            RequestContexts.From(context),
            cancellationToken).ConfigureAwait(false);

        var response = new ApiKeyCreatedResponse
        {
            Token = created.Key,
            Expiration = created.Lifetime.ToString(),
            ExpiresAt = created.Record.ExpiresAt.ToUnixTimeSeconds(),
            Jti = created.Record.Id,
            Name = created.Record.Name,
            Description = created.Record.Description,
        };
        return TypedResults.Json(response, MaasJsonContext.Default.ApiKeyCreatedResponse, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<JsonHttpResult<IReadOnlyList<ApiKeyMetadata>>> ListAsync(MaasCaller caller, MaasService service, CancellationToken cancellationToken)
    {
        var keys = await service.ListApiKeysAsync(caller.User, cancellationToken).ConfigureAwait(false);
        var now = service.Now;
        var list = new ApiKeyMetadata[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            list[i] = ToMetadata(keys[i], now);
        }

        return TypedResults.Json<IReadOnlyList<ApiKeyMetadata>>(list, MaasJsonContext.Default.IReadOnlyListApiKeyMetadata);
    }

    public static async Task<Results<JsonHttpResult<ApiKeyMetadata>, MaasError>> GetAsync(
        string id, MaasCaller caller, MaasService service, CancellationToken cancellationToken)
    {
        var key = await service.GetApiKeyAsync(caller.User, id, cancellationToken).ConfigureAwait(false);
        return key is null
            ? NotFound(id)
            : TypedResults.Json(ToMetadata(key, service.Now), MaasJsonContext.Default.ApiKeyMetadata);
    }

    public static async Task<Results<NoContent, MaasError>> RevokeAsync(
        string id, MaasCaller caller, MaasService service, HttpContext context, CancellationToken cancellationToken)
    {
        var revoked = await service.RevokeApiKeyAsync(caller.User, id, RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        return revoked ? TypedResults.NoContent() : NotFound(id);
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

    internal static ApiKeyMetadata ToMetadata(ApiKeyRecord key, DateTimeOffset now) => new()
    {
        Id = key.Id,
        Name = key.Name,
        Description = key.Description,
        CreationDate = Rfc3339(key.CreatedAt),
        ExpirationDate = Rfc3339(key.ExpiresAt),
        Status = key.StatusAt(now) switch
        {
            ApiKeyStatus.Active => "active",
            ApiKeyStatus.Expired => "expired",
            _ => "revoked",
        },
        LastUsedDate = key.LastUsedAt is { } used ? Rfc3339(used) : null,
    };

    private static string Rfc3339(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
}
