namespace Maas.Hosting.Introspection;

/// <summary>
/// A gateway (Authorino, Envoy, Kong...) allowed to introspect credentials: a client id and the
/// hash of its secret, never the secret itself.
/// </summary>
public sealed class IntrospectionClient
{
    /// <summary>Gets or sets the client id the gateway sends as the HTTP Basic user name.</summary>
    public string ClientId { get; set; } = "";

    /// <summary>
    /// Gets or sets the SHA-256 of the client secret: <c>sha256:</c> followed by 64 hex digits (what
    /// <c>printf %s "$SECRET" | sha256sum</c> prints) or by 44 base64 characters. Use a random secret
    /// of at least 128 bits, such as <c>openssl rand -hex 32</c>; a fast hash suits random secrets
    /// and keeps introspection cheap (a slow password hash would cost milliseconds per request).
    /// </summary>
    public string SecretHash { get; set; } = "";
}
