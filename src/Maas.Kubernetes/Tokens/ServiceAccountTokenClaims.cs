using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Maas.Kubernetes.Tokens;

/// <summary>
/// Reads <c>jti</c>, <c>iat</c> and <c>exp</c> from a token the API server just issued (no signature
/// check: it came over the authenticated connection that asked for it). A cluster older than 1.29
/// puts no <c>jti</c>: the id is then the first 16 bytes of the token's SHA-256, hex.
/// </summary>
internal readonly record struct ServiceAccountTokenClaims(string Id, DateTimeOffset? IssuedAt, DateTimeOffset? ExpiresAt)
{
    public static ServiceAccountTokenClaims Read(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            throw new FormatException("The API server issued a token that is not a JWT.");
        }

        using var payload = JsonDocument.Parse(Base64UrlDecode(parts[1]));
        var root = payload.RootElement;
        var id = root.TryGetProperty("jti", out var jti) && jti.ValueKind == JsonValueKind.String && jti.GetString() is { Length: > 0 } text
            ? text
            : Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(token)).AsSpan(0, 16));
        return new ServiceAccountTokenClaims(id, Instant(root, "iat"), Instant(root, "exp"));
    }

    private static DateTimeOffset? Instant(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;

    private static byte[] Base64UrlDecode(string text)
    {
        var s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '='));
    }
}
