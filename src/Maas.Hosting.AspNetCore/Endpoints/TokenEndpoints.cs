using Maas.Hosting.Authentication;
using Maas.Hosting.Contracts;
using Maas.Hosting.Requests;
using Maas.Hosting.Responses;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Endpoints;

/// <summary><c>POST /v1/tokens</c> and <c>DELETE /v1/tokens</c>.</summary>
internal static class TokenEndpoints
{
    public static async Task<IResult> IssueAsync(HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: false).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        var (request, error) = await JsonBody.ReadAsync(context, MaasJsonContext.Default.TokenRequest, allowEmpty: true).ConfigureAwait(false);
        if (error is not null)
        {
            return error;
        }

        var expiration = ExpirationField.Read(request?.Expiration);
        var issued = await service.IssueTokenAsync(user!, expiration, context.RequestAborted).ConfigureAwait(false);
        var lifetime = Durations.GoDuration.FromTimeSpan(issued.ExpiresAt - issued.IssuedAt);
        var issuedAt = issued.IssuedAt.ToUnixTimeSeconds();
        return Answer.Json(
            new TokenResponse
            {
                Token = issued.Token,
                Expiration = RoundToSeconds(lifetime).ToString(),
                IssuedAt = issuedAt,
                ExpiresAt = issued.ExpiresAt.ToUnixTimeSeconds(),
                Jti = issued.Id,
            },
            MaasJsonContext.Default.TokenResponse,
            statusCode: StatusCodes.Status201Created);
    }

    public static async Task<IResult> RevokeAllAsync(HttpContext context, MaasCallerResolver callers, MaasService service)
    {
        var (user, denied) = await callers.ResolveAsync(context, allowBearer: false).ConfigureAwait(false);
        if (denied is not null)
        {
            return denied;
        }

        await service.RevokeAllAsync(user!, context.RequestAborted).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    // The issued instant carries sub-second precision; echo the whole lifetime asked for.
    private static Durations.GoDuration RoundToSeconds(Durations.GoDuration value) =>
        new((value.Nanoseconds + 500_000_000L) / 1_000_000_000L * 1_000_000_000L);
}
