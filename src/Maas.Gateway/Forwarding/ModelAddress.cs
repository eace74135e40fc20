namespace Maas.Gateway.Forwarding;

/// <summary>
/// Reads model addresses from configuration: a path-only value (<c>/llm/my-model</c>) binds as a
/// relative URI, or on Unix as a <c>file:</c> URI with no host; both mean "this host, this path".
/// </summary>
internal static class ModelAddress
{
    public static bool IsPathOnly(Uri uri) => !uri.IsAbsoluteUri || (uri.IsFile && uri.Host.Length == 0);

    public static string PathOf(Uri uri)
    {
        var path = uri.IsAbsoluteUri ? uri.AbsolutePath : uri.OriginalString;
        var query = path.IndexOfAny(['?', '#']);
        if (query >= 0)
        {
            path = path[..query];
        }

        path = path.TrimEnd('/');
        return path.StartsWith('/') ? path : "/" + path;
    }
}
