using System.Security.Claims;
using Maas.Hosting.Authentication;
using Maas.SelfService;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Tests;

/// <summary>The page's two policies decide by Core's rules (MaasUserMapper, Administrators.Includes), whatever scheme signed the principal in.</summary>
public sealed class SelfServicePolicyTests
{
    private const string AdminGroup = "maas-admins";

    [Fact]
    public async Task A_member_of_an_administrators_group_passes_both_policies()
    {
        using var services = Services();
        var principal = SignedIn("root", ["system:authenticated", AdminGroup]);

        Assert.True(await PassesAsync(services, principal, MaasSelfServiceDefaults.UserPolicy));
        Assert.True(await PassesAsync(services, principal, MaasSelfServiceDefaults.AdministratorPolicy));
    }

    [Fact]
    public async Task Someone_outside_the_administrators_groups_passes_only_the_user_policy()
    {
        using var services = Services();
        var principal = SignedIn("alice", ["system:authenticated"]);

        Assert.True(await PassesAsync(services, principal, MaasSelfServiceDefaults.UserPolicy));
        Assert.False(await PassesAsync(services, principal, MaasSelfServiceDefaults.AdministratorPolicy));
    }

    [Fact]
    public async Task A_principal_signed_in_with_an_api_key_never_administers_even_with_an_administrators_group()
    {
        using var services = Services();
        var principal = SignedIn("root", ["system:authenticated", AdminGroup], new Claim(MaasAuthenticationDefaults.CredentialClaim, "api_key"));

        Assert.True(await PassesAsync(services, principal, MaasSelfServiceDefaults.UserPolicy));
        Assert.False(await PassesAsync(services, principal, MaasSelfServiceDefaults.AdministratorPolicy));
    }

    [Fact]
    public async Task Nobody_signed_in_or_a_principal_without_a_valid_name_passes_neither_policy()
    {
        using var services = Services();
        foreach (var principal in new[] { new ClaimsPrincipal(new ClaimsIdentity()), SignedIn("bad\nname", [AdminGroup]), SignedIn("", [AdminGroup]) })
        {
            Assert.False(await PassesAsync(services, principal, MaasSelfServiceDefaults.UserPolicy));
            Assert.False(await PassesAsync(services, principal, MaasSelfServiceDefaults.AdministratorPolicy));
        }
    }

    [Fact]
    public void Both_policies_authenticate_with_the_configured_scheme_or_the_hosts_default()
    {
        using (var services = Services(o => o.AuthenticationScheme = "Cookies"))
        {
            var authorization = services.GetRequiredService<IOptions<AuthorizationOptions>>().Value;
            Assert.Equal(["Cookies"], authorization.GetPolicy(MaasSelfServiceDefaults.UserPolicy)!.AuthenticationSchemes);
            Assert.Equal(["Cookies"], authorization.GetPolicy(MaasSelfServiceDefaults.AdministratorPolicy)!.AuthenticationSchemes);
        }

        using (var services = Services())
        {
            var authorization = services.GetRequiredService<IOptions<AuthorizationOptions>>().Value;
            Assert.Empty(authorization.GetPolicy(MaasSelfServiceDefaults.UserPolicy)!.AuthenticationSchemes);
            Assert.Empty(authorization.GetPolicy(MaasSelfServiceDefaults.AdministratorPolicy)!.AuthenticationSchemes);
        }
    }

    private static ServiceProvider Services(Action<MaasSelfServiceOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IHostEnvironment>(new TestEnvironment());
        services.AddMaas(o => o.Admins.Groups.Add(AdminGroup)).UseInMemoryStorage();
        services.AddMaasSelfService(configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
    }

    private static async Task<bool> PassesAsync(ServiceProvider services, ClaimsPrincipal principal, string policy)
    {
        using var scope = services.CreateScope();
        var authorization = scope.ServiceProvider.GetRequiredService<IAuthorizationService>();
        return (await authorization.AuthorizeAsync(principal, policy)).Succeeded;
    }

    private static ClaimsPrincipal SignedIn(string name, string[] groups, params Claim[] more) =>
        new(new ClaimsIdentity(
            [new(ClaimTypes.Name, name), .. groups.Select(g => new Claim(MaasAuthenticationDefaults.GroupClaim, g)), .. more],
            "Test"));

    private sealed class TestEnvironment : IHostEnvironment
    {
        public string EnvironmentName { get; set; } = Environments.Development;

        public string ApplicationName { get; set; } = "Maas.SelfService.Tests";

        public string ContentRootPath { get; set; } = AppContext.BaseDirectory;

        public Microsoft.Extensions.FileProviders.IFileProvider ContentRootFileProvider { get; set; } = new Microsoft.Extensions.FileProviders.NullFileProvider();
    }
}
