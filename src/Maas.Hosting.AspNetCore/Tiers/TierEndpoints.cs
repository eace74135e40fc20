using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Tiers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Tiers;

/// <summary><c>POST /v1/tiers/lookup</c>: which tier a set of groups maps to (called by the gateway).</summary>
internal static class TierEndpoints
{
    public static Results<JsonHttpResult<TierLookupResponse>, MaasError> Lookup(JsonRequest<TierLookupRequest> body, ITierResolver tiers)
    {
        if (body.Value!.Groups is not { Count: > 0 } groups)
        {
            return MaasError.Create(StatusCodes.Status400BadRequest, "groups is required and must be a non-empty array of strings.", "groups", "bad_request");
        }

        foreach (var group in groups)
        {
            if (group is null)
            {
                return MaasError.Create(StatusCodes.Status400BadRequest, "groups must not contain null.", "groups", "bad_request");
            }
        }

        var tier = tiers.Resolve(groups);
        if (tier is null)
        {
            return MaasError.Create(StatusCodes.Status404NotFound, "No tier matches any of the given groups.", code: "not_found");
        }

        return TypedResults.Json(new TierLookupResponse { Tier = tier.Name, DisplayName = tier.DisplayName ?? tier.Name }, MaasJsonContext.Default.TierLookupResponse);
    }
}
