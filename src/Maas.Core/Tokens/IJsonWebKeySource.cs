namespace Maas.Tokens;

/// <summary>Publishes the public keys that verify tokens issued here (the JWKS document).</summary>
public interface IJsonWebKeySource
{
    /// <summary>Returns the public keys currently able to verify tokens, signing key first.</summary>
    IReadOnlyList<PublicJsonWebKey> GetPublicKeys();
}
