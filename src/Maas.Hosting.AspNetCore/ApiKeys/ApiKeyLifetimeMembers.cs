using Maas.Durations;
using Maas.Errors;
using Maas.Hosting.Requests;

namespace Maas.Hosting.ApiKeys;

/// <summary>
/// Reads the lifetime a creation asks for from either contract's member, <c>expiration</c> (January)
/// or <c>expiresIn</c> (the later Go service), and refuses what would otherwise be silently ignored:
/// both members with different lifetimes, or an unknown member whose name says it is a lifetime
/// (<c>expires_in</c>, <c>ttl</c>, <c>expiresAt</c> and the like). Ignored, such a member gave the caller
/// a key of the default lifetime (720h) where it asked for one hour.
/// </summary>
internal static class ApiKeyLifetimeMembers
{
    // Name stems (lower case, letters and digits only) that say a member is a lifetime or an expiry; "ttl" is a word of its own.
    private static readonly string[] s_lifetimeStems = ["expir", "lifetime", "duration", "validfor", "validity", "validuntil", "maxage", "lifespan"];

    /// <summary>The requested lifetime, or <see langword="null"/> for the default; throws <see cref="InvalidRequestException"/> as described above.</summary>
    public static GoDuration? Read(ApiKeyCreateRequest request)
    {
        if (request.Unknown is { Count: > 0 } unknown)
        {
            foreach (var name in unknown.Keys)
            {
                if (NamesLifetime(name))
                {
                    var shown = name.Length <= 64 ? name : name[..64] + "…";
                    throw new InvalidRequestException(
                        shown, $"'{shown}' is not a member of this request; name the key's lifetime expiration (or expiresIn), as a Go duration such as \"1h\" or a number of seconds.");
                }
            }
        }

        // Days ("90d") as the later service reads them, under either name: it is one lifetime.
        var expiration = ExpirationField.Read(request.Expiration, allowDays: true);
        var expiresIn = ExpirationField.Read(request.ExpiresIn, "expiresIn", allowDays: true);
        if (expiration is { } first && expiresIn is { } second && first != second)
        {
            throw new InvalidRequestException(
                "expiresIn", $"expiration ({first}) and expiresIn ({second}) are two names of one lifetime and differ; send one of them.");
        }

        return expiration ?? expiresIn;
    }

    /// <summary>
    /// Whether a member's name says it holds a lifetime or an expiry, in any case and with any
    /// separators: it contains one of the stems, or one of its words (split at separators and at
    /// camelCase humps) is <c>ttl</c> (a stem of its own would catch <c>throttle</c>).
    /// </summary>
    internal static bool NamesLifetime(string name)
    {
        var folded = new System.Text.StringBuilder(name.Length);
        var previousWasLower = false;
        var word = 0;
        var wordIsTtl = false;
        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) || (previousWasLower && char.IsAsciiLetterUpper(c)))
            {
                wordIsTtl |= IsTtl(folded, word);
                word = folded.Length;
            }

            previousWasLower = char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c);
            if (char.IsAsciiLetterOrDigit(c))
            {
                folded.Append(char.ToLowerInvariant(c));
            }
        }

        if (wordIsTtl || IsTtl(folded, word))
        {
            return true;
        }

        var text = folded.ToString();
        foreach (var stem in s_lifetimeStems)
        {
            if (text.Contains(stem, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsTtl(System.Text.StringBuilder folded, int wordStart) =>
        folded.Length - wordStart == 3 && folded[wordStart] == 't' && folded[wordStart + 1] == 't' && folded[wordStart + 2] == 'l';
}
