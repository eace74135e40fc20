namespace Maas.Tokens;

/// <summary>A public EC P-256 key as a JSON Web Key (RFC 7517, RFC 7518).</summary>
/// <param name="Kid">The key id: the RFC 7638 SHA-256 thumbprint, base64url.</param>
/// <param name="X">The x coordinate, base64url.</param>
/// <param name="Y">The y coordinate, base64url.</param>
#pragma warning disable CA1822 // JWK members are instance data by contract, even when constant.
public sealed record PublicJsonWebKey(string Kid, string X, string Y)
{
    /// <summary>Gets the key type: always <c>EC</c>.</summary>
    public string Kty => "EC";

    /// <summary>Gets the curve: always <c>P-256</c>.</summary>
    public string Crv => "P-256";

    /// <summary>Gets the algorithm: always <c>ES256</c>.</summary>
    public string Alg => "ES256";

    /// <summary>Gets the intended use: always <c>sig</c>.</summary>
    public string Use => "sig";
}
#pragma warning restore CA1822
