using System.Globalization;
using Maas.ApiKeys;
using Maas.Hosting.Authentication;
using Maas.Hosting.Contracts;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Hosting.Responses;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Endpoints;

/// <summary>The <c>/v1/api-keys</c> endpoints.</summary>
internal static class ApiKeyEndpoints
{
    public static async Task<IResult> CreateAsync(HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: false).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        var (request, error) = await JsonBody.ReadAsync(context, MaasJsonContext.Default.ApiKeyCreateRequest, allowEmpty: false).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var created = await service.CreateApiKeyAsync(
            user!,
            new ApiKeyRequest
            {
                Name = request!.Name ?? "",
                Description = request.Description,
                Expiration = ExpirationField.Read(request.Expiration),
            },
            context.RequestAborted).ConfigureAwait(false);

        return Answer.Json(
            new ApiKeyCreatedResponse
            {
                Token = created.Key,
                Expiration = created.Lifetime.ToString(),
                ExpiresAt = created.Record.ExpiresAt.ToUnixTimeSeconds(),
                Jti = created.Record.Id,
                Name = created.Record.Name,
                Description = created.Record.Description,
            },
            MaasJsonContext.Default.ApiKeyCreatedResponse,
            statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> ListAsync(HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: true).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        var keys = await service.ListApiKeysAsync(user!, context.RequestAborted).ConfigureAwait(false);
        var now = service.Now;
        var list = new ApiKeyMetadata[keys.Count];
        for (var i = 0; i < keys.Count; i++)
        {
            list[i] = ToMetadata(keys[i], now);
        }

        return Answer.Json<IReadOnlyList<ApiKeyMetadata>>(list, MaasJsonContext.Default.IReadOnlyListApiKeyMetadata);
    }

    public static async Task<IResult> GetAsync(string id, HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: true).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        var key = await service.GetApiKeyAsync(user!, id, context.RequestAborted).ConfigureAwait(false);
        return key is null
            ? NotFound(id)
            : Answer.Json(ToMetadata(key, service.Now), MaasJsonContext.Default.ApiKeyMetadata);
    }

    public static async Task<IResult> RevokeAsync(string id, HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: false).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        var revoked = await service.RevokeApiKeyAsync(user!, id, context.RequestAborted).ConfigureAwait(false);
        return revoked ? TypedResults.NoContent() : NotFound(id);
    }

    private static ErrorResult NotFound(string id) =>
        new(StatusCodes.Status404NotFound, id.Length <= 64 && IsPrintable(id) ? $"API key '{id}' not found." : "API key not found.");

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
