namespace Maas.Hosting.Telemetry;

/// <summary>
/// A request path as logs may show it: without its query, at most <see cref="MaxLength"/> characters,
/// and with any segment that could be a credential (an <c>sk-maas-</c> key, a JWT) replaced, so a key
/// pasted into a URL never reaches a log line.
/// </summary>
internal static class LoggedRequestPath
{
    /// <summary>The longest path logged; longer ones are cut and end in <c>...</c>.</summary>
    public const int MaxLength = 200;

    /// <summary>What replaces a segment that could be a credential.</summary>
    public const string Placeholder = "{credential}";

    /// <summary>Returns <paramref name="path"/> with credential-shaped segments replaced and its length bounded; <c>/</c> for an empty path.</summary>
    public static string Redact(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "/";
        }

        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            if (LooksLikeCredential(segments[i]))
            {
                segments[i] = Placeholder;
            }
        }

        var logged = string.Join('/', segments);
        return logged.Length <= MaxLength ? logged : logged[..MaxLength] + "...";
    }

    // Maas keys (sk-maas-... or sk-oai-...), and anything token-shaped: a JWT's header starts with "eyJ" ({"),
    // and a long unbroken run of base64url characters is treated the same whatever its prefix.
    private static bool LooksLikeCredential(string segment) =>
        segment.Contains("sk-maas-", StringComparison.OrdinalIgnoreCase)
        || segment.Contains("sk-oai-", StringComparison.OrdinalIgnoreCase)
        || segment.Contains("eyJ", StringComparison.Ordinal)
        || (segment.Length >= 32 && segment.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '%'));
}
