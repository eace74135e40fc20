using Maas.Models;
using Microsoft.AspNetCore.Http;

namespace Maas.SelfService.Pages;

/// <summary>
/// A model the caller's tier may use, and its base URL for OpenAI clients: the public URL
/// <c>GET /v1/models</c> shows (a path-only one on the scheme and host the caller used) followed by <c>/v1</c>.
/// </summary>
internal sealed record ModelEndpoint(string Id, string BaseUrl)
{
    /// <summary>The models of <paramref name="models"/> that have a URL, as <paramref name="request"/>'s caller reaches them.</summary>
    public static IReadOnlyList<ModelEndpoint> From(IEnumerable<ModelDescriptor> models, HttpRequest request) =>
        [.. models.Where(m => m.Url is not null).Select(m => new ModelEndpoint(m.Id, PublicUrl(m.Url!, request).TrimEnd('/') + "/v1"))];

    /// <summary>As the control plane's <c>GET /v1/models</c> shows a model's URL (<c>ModelEndpoints.PublicUrl</c>).</summary>
    private static string PublicUrl(Uri url, HttpRequest request)
    {
        if (url.IsAbsoluteUri && !(url.IsFile && url.Host.Length == 0))
        {
            return url.ToString();
        }

        var path = url.IsAbsoluteUri ? url.AbsolutePath : url.OriginalString;
        return request.Scheme + "://" + request.Host.Value + (path.StartsWith('/') ? path : "/" + path);
    }
}
