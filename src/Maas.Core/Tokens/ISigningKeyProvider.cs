using System.Security.Cryptography;

namespace Maas.Tokens;

/// <summary>
/// Supplies the built-in issuer's ES256 keys from durable storage (beside the SQLite file, or in
/// the shared database), so tokens survive restarts and every replica verifies the others'.
/// Configured PEM files (<see cref="SigningOptions.KeyFiles"/>) take precedence.
/// </summary>
public interface ISigningKeyProvider
{
    /// <summary>
    /// Returns P-256 private keys, the signing key first. Called once, at start; the caller
    /// takes ownership of the returned keys.
    /// </summary>
    IReadOnlyList<ECDsa> GetSigningKeys();
}
