using Maas.Durations;
using Maas.Errors;
using Maas.Telemetry;
using Maas.Tiers;
using Maas.Users;
using Microsoft.Extensions.Options;

namespace Maas.Tokens;

/// <summary>
/// Issues ephemeral tokens (<c>POST /v1/tokens</c>): the lifetime policy, the user's tier and the
/// issuer, nothing else. Registered by <c>AddMaasCore</c> as a singleton.
/// </summary>
public sealed class TokenService
{
    private readonly LifetimePolicy _lifetimes;
    private readonly ITierResolver _tiers;
    private readonly ITokenIssuer _issuer;
    private readonly MaasMetrics _metrics;

    internal TokenService(IOptions<MaasOptions> options, ITierResolver tiers, ITokenIssuer issuer, MaasMetrics metrics)
    {
        _lifetimes = options.Value.Tokens;
        _tiers = tiers;
        _issuer = issuer;
        _metrics = metrics;
    }

    /// <summary>
    /// Issues an ephemeral token. Throws <see cref="InvalidRequestException"/> when the lifetime is
    /// outside the policy (or the user's groups make the token too long to present) and
    /// <see cref="NoTierException"/> when no tier applies.
    /// </summary>
    /// <param name="user">The signed-in user the token is for.</param>
    /// <param name="expiration">The lifetime asked for, or <see langword="null"/> for the policy's default.</param>
    /// <param name="cancellationToken">Cancels the issuance.</param>
    /// <returns>The token and its instants.</returns>
    public async ValueTask<IssuedToken> IssueAsync(MaasUser user, GoDuration? expiration, CancellationToken cancellationToken = default)
    {
        using var activity = MaasMetrics.ActivitySource.StartActivity("maas.issue_token");
        try
        {
            var tier = _tiers.GetTier(user);
            activity?.SetTag("maas.tier", tier.Name);
            var lifetime = LifetimeRules.Apply(_lifetimes, expiration);
            var issued = await _issuer.IssueAsync(user, tier, lifetime.ToTimeSpan(), cancellationToken).ConfigureAwait(false);

            // A token carries the user's groups. One that validation would refuse (and that proxies
            // with 8 KiB header lines would cut) is refused here, naming the cause and the way out:
            // an API key stores the groups server-side and stays short. Nothing was recorded.
            if (issued.Token.Length > JwtTokenReader.MaxTokenLength)
            {
                throw new InvalidRequestException("groups",
                    $"A token for this user would be {issued.Token.Length} characters, over the {JwtTokenReader.MaxTokenLength} a bearer credential may have, because of the user's {user.Groups.Count} groups; create an API key instead (keys do not carry groups).");
            }

            _metrics.TokenIssued("success");
            return issued;
        }
        catch (Exception ex)
        {
            MaasMetrics.Failed(activity, ex, _metrics.TokenIssued);
            throw;
        }
    }
}
