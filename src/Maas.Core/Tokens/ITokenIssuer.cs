using Maas.Tiers;
using Maas.Users;

namespace Maas.Tokens;

/// <summary>Issues short-lived, stateless tokens for a user.</summary>
public interface ITokenIssuer
{
    /// <summary>Issues a token for <paramref name="user"/> in <paramref name="tier"/> valid for <paramref name="lifetime"/>.</summary>
    ValueTask<IssuedToken> IssueAsync(MaasUser user, Tier tier, TimeSpan lifetime, CancellationToken cancellationToken = default);

    /// <summary>
    /// Invalidates at their source every token issued to <paramref name="user"/>, when the issuer can
    /// (the Kubernetes issuer recreates the user's service accounts). Called by revoke-all after the
    /// revoked-before instant is recorded; the built-in issuer relies on that instant and does nothing.
    /// </summary>
    ValueTask RevokeAllAsync(MaasUser user, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
