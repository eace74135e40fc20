using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Maas.Core.Tests.Tokens;

/// <summary>
/// The built-in issuer writes its tokens by hand (it is faster than the library's CreateToken);
/// every shape it writes must verify with a plain <see cref="JsonWebTokenHandler"/> that knows only
/// the published JWK, as any third party's would.
/// </summary>
public sealed class IssuerLibraryInteropTests
{
    public static TheoryData<string, string[], string> Users => new()
    {
        { "alice", ["tier-premium-users", "system:authenticated"], "premium" },
        { "bob", [], "free" },
        { new string('n', 1000), [.. Enumerable.Range(0, 100).Select(i => "group-" + i)], "enterprise" },
        { "zoë \"quoted\" <b>+/ \\ \u0001 日本語 🎉", ["grüppe", "", "\u2028", "ü\"\\"], "ünïcode-tier" },
        { "system:serviceaccount:ns:name", ["system:serviceaccounts", "system:serviceaccounts:ns"], "t" },
    };

    [Theory]
    [MemberData(nameof(Users))]
    public async Task Library_validates_every_token_the_issuer_makes(string name, string[] groups, string tierName)
    {
        using var context = new TokenTestContext();
        var user = new MaasUser(name, groups);
        var tier = new Tier { Name = tierName, Level = 1 };
        var now = context.Time.GetUtcNow();

        foreach (var lifetime in new[] { TimeSpan.FromMinutes(1), TimeSpan.FromHours(4), TimeSpan.FromDays(30) })
        {
            var issued = context.Issuer.Issue(user, tier, lifetime);

            var result = await new JsonWebTokenHandler().ValidateTokenAsync(issued.Token, ParametersFor(context, now));

            Assert.True(result.IsValid, result.Exception?.Message);
            var token = Assert.IsType<JsonWebToken>(result.SecurityToken);
            Assert.Equal("ES256", token.Alg);
            Assert.Equal(context.Keys.Current.Kid, token.Kid);
            Assert.Equal(name, token.Subject);
            Assert.Equal(issued.Id, token.Id);
            Assert.Equal(groups, token.Claims.Where(c => c.Type == "groups").Select(c => c.Value));
            Assert.Equal(tierName, token.GetClaim("tier").Value);
            Assert.Equal(issued.ExpiresAt.ToUnixTimeSeconds(), new DateTimeOffset(token.ValidTo, TimeSpan.Zero).ToUnixTimeSeconds());
            Assert.True((await context.Reader.ReadAsync(issued.Token)).IsValid);
        }
    }

    [Fact]
    public async Task Library_refuses_the_issuers_token_under_another_key()
    {
        using var context = new TokenTestContext();
        using var other = new TokenTestContext();
        var token = context.Issue().Token;

        var result = await new JsonWebTokenHandler().ValidateTokenAsync(token, ParametersFor(other, other.Time.GetUtcNow()));

        Assert.False(result.IsValid);
    }

    // Only what a third party has: the JWK the service publishes, its issuer and audience.
    private static TokenValidationParameters ParametersFor(TokenTestContext context, DateTimeOffset now)
    {
        var jwk = context.Keys.GetPublicKeys()[0];
        var key = ECDsa.Create(new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP256,
            Q = new ECPoint { X = Base64Url.DecodeFromChars(jwk.X), Y = Base64Url.DecodeFromChars(jwk.Y) },
        });
        return new TokenValidationParameters
        {
            ValidAlgorithms = ["ES256"],
            IssuerSigningKey = new ECDsaSecurityKey(key) { KeyId = jwk.Kid },
            ValidIssuer = context.Options.Value.Issuer,
            ValidAudience = context.Options.Value.Audience,
            LifetimeValidator = (notBefore, expires, _, _) => notBefore <= now.UtcDateTime && now.UtcDateTime < expires,
            NameClaimType = ClaimTypes.Name,
        };
    }
}
