using Maas.Hosting.Auditing;
using Maas.Hosting.Authentication;
using Maas.Hosting.Requests;
using Maas.Revocation;
using Maas.Tokens;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Tokens;

/// <summary><c>POST /v1/tokens</c> and <c>DELETE /v1/tokens</c>.</summary>
internal static class TokenEndpoints
{
    public static async Task<JsonHttpResult<TokenResponse>> IssueAsync(
        MaasCaller caller, JsonRequest<TokenRequest> body, TokenService tokens, CancellationToken cancellationToken)
    {
        var expiration = ExpirationField.Read(body.Value?.Expiration);
        var issued = await tokens.IssueAsync(caller.User, expiration, cancellationToken).ConfigureAwait(false);
        var lifetime = Durations.GoDuration.FromTimeSpan(issued.ExpiresAt - issued.IssuedAt);
        var response = new TokenResponse
        {
            Token = issued.Token,
            Expiration = RoundToSeconds(lifetime).ToString(),
            IssuedAt = issued.IssuedAt.ToUnixTimeSeconds(),
            ExpiresAt = issued.ExpiresAt.ToUnixTimeSeconds(),
            Jti = issued.Id,
        };
        return TypedResults.Json(response, MaasJsonContext.Default.TokenResponse, statusCode: StatusCodes.Status201Created);
    }

    public static async Task<NoContent> RevokeAllAsync(MaasCaller caller, RevocationService revocation, HttpContext context, CancellationToken cancellationToken)
    {
        await revocation.RevokeAllAsync(caller.User, RequestContexts.From(context), cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }

    // The issued instant carries sub-second precision; echo the whole lifetime asked for.
    private static Durations.GoDuration RoundToSeconds(Durations.GoDuration value) =>
        new((value.Nanoseconds + 500_000_000L) / 1_000_000_000L * 1_000_000_000L);
}
