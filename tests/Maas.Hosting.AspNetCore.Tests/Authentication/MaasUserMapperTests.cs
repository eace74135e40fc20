using System.Security.Claims;
using Maas.Hosting.Authentication;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.Authentication;

public sealed class MaasUserMapperTests
{
    private static MaasUserMapper Mapper(string name = "sub", string groups = "groups") =>
        new(new StaticMonitor(new MaasClaimsOptions { NameClaimType = name, GroupClaimType = groups }));

    [Fact]
    public void Name_and_groups_come_from_the_configured_claim_types_of_authenticated_identities_only()
    {
        var signedIn = new ClaimsIdentity([new("sub", " alice "), new("groups", "team-a"), new("groups", "team-b"), new("groups", "team-a"), new("role", "admin")], "Bearer");
        var anonymous = new ClaimsIdentity([new("groups", "smuggled")]);
        var user = Mapper().Map(new ClaimsPrincipal([anonymous, signedIn]));
        Assert.NotNull(user);
        Assert.Equal("alice", user.Name);
        Assert.Equal(["team-a", "team-b"], user.Groups);
    }

    [Fact]
    public void A_principal_that_is_not_signed_in_or_has_no_valid_name_is_no_user()
    {
        var mapper = Mapper();
        Assert.Null(mapper.Map(new ClaimsPrincipal(new ClaimsIdentity([new("sub", "alice")]))));
        Assert.Null(mapper.Map(new ClaimsPrincipal(new ClaimsIdentity([new("name", "alice")], "Bearer"))));
        Assert.Null(mapper.Map(new ClaimsPrincipal(new ClaimsIdentity([new("sub", "   ")], "Bearer"))));
        Assert.Null(mapper.Map(new ClaimsPrincipal(new ClaimsIdentity([new("sub", "al\nice")], "Bearer"))));
        Assert.Null(mapper.Map(new ClaimsPrincipal(new ClaimsIdentity([new("sub", new string('a', 513))], "Bearer"))));
        var tooManyGroups = new ClaimsIdentity([new("sub", "alice"), .. Enumerable.Range(0, 513).Select(i => new Claim("groups", "g" + i))], "Bearer");
        Assert.Null(mapper.Map(new ClaimsPrincipal(tooManyGroups)));
    }

    [Fact]
    public void A_user_without_group_claims_has_no_groups()
    {
        var user = Mapper(ClaimTypes.Name, MaasAuthenticationDefaults.GroupClaim).Map(new ClaimsPrincipal(new ClaimsIdentity([new(ClaimTypes.Name, "bob")], "Cookies")));
        Assert.Equal(new Users.MaasUser("bob", []).Name, user!.Name);
        Assert.Empty(user.Groups);
    }

    [Fact]
    public void A_principal_signed_in_with_an_api_key_maps_to_a_user_from_an_api_key_and_others_do_not()
    {
        var mapper = Mapper();
        ClaimsPrincipal With(params Claim[] extra) => new(new ClaimsIdentity([new("sub", "root"), new("groups", "maas-admins"), .. extra], "MaasBearer"));

        Assert.True(mapper.Map(With(new Claim(MaasAuthenticationDefaults.CredentialClaim, "api_key")))!.FromApiKey);
        Assert.False(mapper.Map(With(new Claim(MaasAuthenticationDefaults.CredentialClaim, "token")))!.FromApiKey);
        Assert.False(mapper.Map(With())!.FromApiKey);
        var unauthenticated = new ClaimsIdentity([new(MaasAuthenticationDefaults.CredentialClaim, "api_key")]);
        Assert.False(mapper.Map(new ClaimsPrincipal([unauthenticated, With().Identities.Single()]))!.FromApiKey);
    }

    private sealed class StaticMonitor(MaasClaimsOptions value) : IOptionsMonitor<MaasClaimsOptions>
    {
        public MaasClaimsOptions CurrentValue => value;

        public MaasClaimsOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MaasClaimsOptions, string?> listener) => null;
    }
}
