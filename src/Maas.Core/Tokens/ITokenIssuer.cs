using Maas.Tiers;
using Maas.Users;

namespace Maas.Tokens;

/// <summary>Issues short-lived, stateless tokens for a user.</summary>
public interface ITokenIssuer
{
    /// <summary>Issues a token for <paramref name="user"/> in <paramref name="tier"/> valid for <paramref name="lifetime"/>.</summary>
    ValueTask<IssuedToken> IssueAsync(MaasUser user, Tier tier, TimeSpan lifetime, CancellationToken cancellationToken = default);
}
