using Maas.Hosting.Authentication;
using Maas.Models;
using Maas.Tiers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Maas.Hosting.Models;

/// <summary><c>GET /v1/models</c>: the models of the caller's tier, in OpenAI's list shape.</summary>
internal static class ModelEndpoints
{
    public static async Task<JsonHttpResult<ModelList>> ListAsync(MaasCaller caller, HttpRequest request, ITierResolver tiers, IModelCatalog catalog, CancellationToken cancellationToken)
    {
        var models = await catalog.ListAsync(tiers.GetTier(caller.User), cancellationToken).ConfigureAwait(false);
        var data = new ModelEntry[models.Count];
        for (var i = 0; i < models.Count; i++)
        {
            var model = models[i];
            data[i] = new ModelEntry
            {
                Id = model.Id,
                Created = model.Created,
                OwnedBy = model.OwnedBy,
                Url = PublicUrl(model.Url, request),
                Ready = model.Ready,
                ModelDetails = model.Details is { } details
                    ? new ModelDetailsEntry { DisplayName = details.DisplayName, Description = details.Description, GenAIUse = details.GenAIUse }
                    : null,
            };
        }

        return TypedResults.Json(new ModelList { Data = data }, MaasJsonContext.Default.ModelList);
    }

    /// <summary>
    /// The model's URL as the caller can use it: a path-only URL (<c>/llm/my-model</c>, which .NET
    /// reads as a relative or, on Unix, a <c>file:</c> URI) is put on the scheme and host the caller used,
    /// so it follows the address the host really listens on.
    /// </summary>
    internal static string? PublicUrl(Uri? url, HttpRequest request)
    {
        if (url is null)
        {
            return null;
        }

        if (url.IsAbsoluteUri && !(url.IsFile && url.Host.Length == 0))
        {
            return url.ToString();
        }

        var path = url.IsAbsoluteUri ? url.AbsolutePath : url.OriginalString;
        return request.Scheme + "://" + request.Host.Value + (path.StartsWith('/') ? path : "/" + path);
    }
}
