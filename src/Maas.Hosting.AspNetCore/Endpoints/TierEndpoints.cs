using Maas.Hosting.Contracts;
using Maas.Hosting.Errors;
using Maas.Hosting.Requests;
using Maas.Hosting.Responses;
using Microsoft.AspNetCore.Http;

namespace Maas.Hosting.Endpoints;

/// <summary><c>POST /v1/tiers/lookup</c>: which tier a set of groups maps to (called by the gateway).</summary>
internal static class TierEndpoints
{
    public static async Task<IResult> LookupAsync(HttpContext context, MaasService service)
    {
        var (request, error) = await JsonBody.ReadAsync(context, MaasJsonContext.Default.TierLookupRequest, allowEmpty: false).ConfigureAwait(false);
        if (error is not null)
        {
            return new ErrorResult(error.StatusCode, error.Message, code: error.StatusCode == 400 ? "bad_request" : null);
        }

        if (request!.Groups is not { Count: > 0 } groups)
        {
            return new ErrorResult(StatusCodes.Status400BadRequest, "groups is required and must be a non-empty array of strings.", "groups", "bad_request");
        }

        foreach (var group in groups)
        {
            if (group is null)
            {
                return new ErrorResult(StatusCodes.Status400BadRequest, "groups must not contain null.", "groups", "bad_request");
            }
        }

        var tier = service.LookupTier(groups);
        if (tier is null)
        {
            return new ErrorResult(StatusCodes.Status404NotFound, "No tier matches any of the given groups.", code: "not_found");
        }

        return Answer.Json(new TierLookupResponse { Tier = tier.Name, DisplayName = tier.DisplayName ?? tier.Name }, MaasJsonContext.Default.TierLookupResponse);
    }
}
