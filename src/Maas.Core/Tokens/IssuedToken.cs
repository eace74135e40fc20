namespace Maas.Tokens;

/// <summary>A token just issued; the only moment the token text is available.</summary>
public sealed class IssuedToken
{
    /// <summary>Gets the token to present as a bearer credential.</summary>
    public required string Token { get; init; }

    /// <summary>Gets the unique token identifier (<c>jti</c>).</summary>
    public required string Id { get; init; }

    /// <summary>Gets when the token was issued.</summary>
    public required DateTimeOffset IssuedAt { get; init; }

    /// <summary>Gets when the token stops being valid.</summary>
    public required DateTimeOffset ExpiresAt { get; init; }
}
