using System.Security.Cryptography;
using System.Text;

namespace Maas.Kubernetes.Tokens;

/// <summary>
/// Turns a user name (an e-mail, an LDAP DN, an OIDC subject, any unicode) into the name of the
/// user's service account: a DNS-1123 label of at most 63 characters. Lower-cased, every run of
/// characters outside <c>[a-z0-9-]</c> becomes one <c>-</c>, dashes collapse and are trimmed, the
/// result is cut to leave room for <c>-</c> and the first 8 hex digits of SHA-256 over the exact
/// user name. The suffix is always there, as in the Go maas-api (so accounts it created are found
/// again): <c>Alice</c> and <c>alice</c> get different accounts. A name with nothing left after
/// sanitizing (all unicode) is based on <c>user</c>.
/// </summary>
internal static class ServiceAccountName
{
    public const int MaxLength = 63;
    private const int SuffixLength = 8;

    public static string For(string userName)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        var baseName = Sanitize(userName, MaxLength - 1 - SuffixLength);
        if (baseName.Length == 0)
        {
            baseName = "user";
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(userName));
        return baseName + "-" + Convert.ToHexStringLower(hash)[..SuffixLength];
    }

    /// <summary>Lower-cases, maps runs of invalid characters to one dash, trims dashes and cuts to <paramref name="maxLength"/>.</summary>
    public static string Sanitize(string text, int maxLength)
    {
        var builder = new StringBuilder(Math.Min(text.Length, maxLength + 1));
        foreach (var c in text)
        {
            var lower = c is >= 'A' and <= 'Z' ? (char)(c + ('a' - 'A')) : c;
            var valid = lower is (>= 'a' and <= 'z') or (>= '0' and <= '9');
            if (valid)
            {
                builder.Append(lower);
            }
            else if (builder.Length > 0 && builder[^1] != '-')
            {
                builder.Append('-');
            }

            if (builder.Length >= maxLength)
            {
                break;
            }
        }

        var result = builder.ToString();
        if (result.Length > maxLength)
        {
            result = result[..maxLength];
        }

        return result.Trim('-');
    }
}
