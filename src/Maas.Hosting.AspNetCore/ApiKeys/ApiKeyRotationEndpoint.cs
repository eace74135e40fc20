using Maas.ApiKeys;
using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.ApiKeys;

/// <summary><c>POST /v1/api-keys/{id}/rotate</c>.</summary>
internal static class ApiKeyRotationEndpoint
{
    public static async Task<Results<JsonHttpResult<ApiKeyRotatedResponse>, MaasError>> RotateAsync(
        string id, MaasCaller caller, JsonRequest<ApiKeyRotateRequest> body, ApiKeyService keys, HttpContext context, CancellationToken cancellationToken)
    {
        var grace = ExpirationField.Read(body.Value?.Grace, "grace");
        var rotated = await keys.RotateAsync(caller.User, id, grace, RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        if (rotated is null)
        {
            return ApiKeyEndpoints.NotFound(id);
        }

        var response = new ApiKeyRotatedResponse
        {
            Token = rotated.Key,
            Expiration = rotated.Lifetime.ToString(),
            ExpiresAt = rotated.Record.ExpiresAt.ToUnixTimeSeconds(),
            Jti = rotated.Record.Id,
            KeyPrefix = ApiKeyEndpoints.DisplayPrefix(rotated.Key, rotated.Record.Id),
            CreatedAt = InstantText.Format(rotated.Record.CreatedAt),
            ExpirationDate = InstantText.Format(rotated.Record.ExpiresAt),
            Name = rotated.Record.Name,
            Description = rotated.Record.Description,
            Labels = ApiKeyEndpoints.LabelsOrNull(rotated.Record),
            RotatedFrom = rotated.Previous.Id,
            RotatedFromExpiresAt = rotated.Previous.ExpiresAt.ToUnixTimeSeconds(),
        };
        return TypedResults.Json(response, MaasJsonContext.Default.ApiKeyRotatedResponse, statusCode: StatusCodes.Status201Created);
    }
}
