using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text;
using Maas.Hosting.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Maas.Hosting.Introspection;

/// <summary>
/// Checks the HTTP Basic credentials of a gateway client (RFC 6749 section 2.3.1: client id and
/// secret form-urlencoded, joined by a colon, base64) against <see cref="TrustedGatewayOptions.Clients"/>.
/// Clients that do not form-urlencode (Go's <c>SetBasicAuth</c>) are accepted too.
/// </summary>
internal sealed class GatewayClientAuthenticator(IOptionsMonitor<TrustedGatewayOptions> options)
{
    private const string BasicPrefix = "Basic ";
    private const int MaxHeaderLength = 4096;
    private const int MaxVerifiedHeaders = 1024;

    // Compared against when the client id is unknown, so both paths cost the same.
    private static readonly byte[] s_unknownClient = new byte[32];

    private ClientTable? _clients;

    /// <summary>Returns the authenticated client id, or <see langword="null"/> when the credentials are missing or wrong.</summary>
    public string? Authenticate(StringValues authorization)
    {
        if (authorization.Count != 1 || authorization[0] is not { Length: > 6 and <= MaxHeaderLength } value
            || !value.StartsWith(BasicPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // A gateway sends the same header on every call: remember the headers already verified
        // (per client table, so a configuration reload forgets them) and skip decoding and hashing.
        var table = GetTable();
        if (table.Verified.TryGetValue(value, out var verifiedId))
        {
            return verifiedId;
        }

        var authenticated = AuthenticateSlow(value, table.Clients);
        if (authenticated is not null)
        {
            if (table.Verified.Count >= MaxVerifiedHeaders)
            {
                table.Verified.Clear();
            }

            table.Verified[value] = authenticated;
        }

        return authenticated;
    }

    private static string? AuthenticateSlow(string value, FrozenDictionary<string, byte[]> clients)
    {
        var encoded = value.AsSpan(BasicPrefix.Length).Trim();
        var decoded = new byte[(encoded.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(encoded, decoded, out var length))
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(decoded, 0, length);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        finally
        {
            Array.Clear(decoded);
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return null;
        }

        var rawId = text[..colon];
        var rawSecret = text.AsSpan(colon + 1);
        var formId = FormDecode(rawId);
        var formSecret = FormDecode(text[(colon + 1)..]);

        if (Check(clients, formId, formSecret))
        {
            return formId;
        }

        return Check(clients, rawId, rawSecret) ? rawId : null;
    }

    private static bool Check(FrozenDictionary<string, byte[]> clients, string clientId, ReadOnlySpan<char> secret)
    {
        var known = clients.TryGetValue(clientId, out var expected);
        var matches = GatewayClientSecret.Matches(secret, expected ?? s_unknownClient);
        return known && matches;
    }

    // application/x-www-form-urlencoded: '+' is a space, then percent-decoding.
    private static string FormDecode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private ClientTable GetTable()
    {
        var current = options.CurrentValue;
        var cached = Volatile.Read(ref _clients);
        if (cached is not null && ReferenceEquals(cached.Source, current))
        {
            return cached;
        }

        // The options validator refused unreadable hashes at start; skip any that slipped through a reload.
        var clients = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var client in current.Clients)
        {
            if (!string.IsNullOrEmpty(client.ClientId) && GatewayClientSecret.TryParse(client.SecretHash, out var hash))
            {
                clients.TryAdd(client.ClientId, hash);
            }
        }

        var table = new ClientTable(current, clients.ToFrozenDictionary(StringComparer.Ordinal));
        Volatile.Write(ref _clients, table);
        return table;
    }

    private sealed record ClientTable(TrustedGatewayOptions Source, FrozenDictionary<string, byte[]> Clients)
    {
        /// <summary>Authorization headers that authenticated, and as whom; bounded.</summary>
        public ConcurrentDictionary<string, string> Verified { get; } = new(StringComparer.Ordinal);
    }
}
