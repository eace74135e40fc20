namespace Maas.Tokens;

/// <summary>Where the built-in ES256 signer finds its keys.</summary>
public sealed class SigningOptions
{
    /// <summary>
    /// Gets the paths of PEM files holding P-256 private keys. The first signs; the others only
    /// verify, so a rotated key keeps its tokens valid until they expire. When empty, one key is
    /// generated at start (tokens then die with the process) unless a key source is registered.
    /// </summary>
    public IList<string> KeyFiles { get; init; } = [];
}
