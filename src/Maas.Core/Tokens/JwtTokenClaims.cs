namespace Maas.Tokens;

/// <summary>The claims of a verified token issued by <see cref="JwtTokenIssuer"/>.</summary>
/// <param name="Subject">The user name (<c>sub</c>).</param>
/// <param name="Groups">The user's groups when the token was issued (<c>groups</c>).</param>
/// <param name="Tier">The tier name when the token was issued (<c>tier</c>).</param>
/// <param name="Id">The token id (<c>jti</c>).</param>
/// <param name="IssuedAt">The <c>iat</c> claim: whole seconds.</param>
/// <param name="NotBefore">The <c>nbf</c> claim: whole seconds.</param>
/// <param name="ExpiresAt">The <c>exp</c> claim: whole seconds; the token is expired from this instant on.</param>
/// <param name="IssuedInstant">The issuance instant carried by <c>jti</c>, to 1/4096 ms; compare it with "revoked before" instants.</param>
internal sealed record JwtTokenClaims(
    string Subject,
    IReadOnlyList<string> Groups,
    string Tier,
    string Id,
    DateTimeOffset IssuedAt,
    DateTimeOffset NotBefore,
    DateTimeOffset ExpiresAt,
    DateTimeOffset IssuedInstant);
