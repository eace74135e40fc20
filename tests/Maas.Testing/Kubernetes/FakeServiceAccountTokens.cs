using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Maas.Testing.Kubernetes;

/// <summary>
/// Signs and reviews service-account tokens the way the API server does: an ES256 JWT with
/// <c>iss</c>, <c>aud</c>, <c>sub</c> (<c>system:serviceaccount:ns:name</c>), <c>jti</c>,
/// <c>iat</c>, <c>nbf</c>, <c>exp</c> and the <c>kubernetes.io</c> claim naming the account and its uid.
/// A token stops validating when it expires or when its account is deleted (even if recreated: the uid differs).
/// </summary>
internal sealed class FakeServiceAccountTokens : IDisposable
{
    public const string Issuer = "https://kubernetes.default.svc.cluster.local";

    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly string _keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));

    public string Sign(string ns, string name, string uid, IReadOnlyList<string> audiences, DateTimeOffset now, long lifetimeSeconds)
    {
        var header = new JsonObject { ["alg"] = "ES256", ["kid"] = _keyId };
        var payload = new JsonObject
        {
            ["aud"] = new JsonArray([.. audiences.Select(a => JsonValue.Create(a))]),
            ["exp"] = now.ToUnixTimeSeconds() + lifetimeSeconds,
            ["iat"] = now.ToUnixTimeSeconds(),
            ["iss"] = Issuer,
            ["jti"] = Guid.NewGuid().ToString(),
            ["kubernetes.io"] = new JsonObject
            {
                ["namespace"] = ns,
                ["serviceaccount"] = new JsonObject { ["name"] = name, ["uid"] = uid },
            },
            ["nbf"] = now.ToUnixTimeSeconds(),
            ["sub"] = $"system:serviceaccount:{ns}:{name}",
        };
        var signingInput = Base64Url(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256);
        return signingInput + "." + Base64Url(signature);
    }

    /// <summary>Returns the verified claims of a token this server signed, or <see langword="null"/>.</summary>
    public JsonObject? Verify(string token)
    {
        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            return null;
        }

        try
        {
            var signature = Convert.FromBase64String(Pad(parts[2]));
            if (!_key.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), signature, HashAlgorithmName.SHA256))
            {
                return null;
            }

            return JsonNode.Parse(Convert.FromBase64String(Pad(parts[1]))) as JsonObject;
        }
        catch (FormatException)
        {
            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Gets the public key as a JSON Web Key Set, as <c>/openid/v1/jwks</c> serves it.</summary>
    public JsonObject Jwks()
    {
        var parameters = _key.ExportParameters(false);
        return new JsonObject
        {
            ["keys"] = new JsonArray(new JsonObject
            {
                ["use"] = "sig",
                ["kty"] = "EC",
                ["kid"] = _keyId,
                ["crv"] = "P-256",
                ["alg"] = "ES256",
                ["x"] = Base64Url(parameters.Q.X!),
                ["y"] = Base64Url(parameters.Q.Y!),
            }),
        };
    }

    public void Dispose() => _key.Dispose();

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string Pad(string base64Url)
    {
        var s = base64Url.Replace('-', '+').Replace('_', '/');
        return s.PadRight(s.Length + ((4 - (s.Length % 4)) % 4), '=');
    }
}
