using Maas.Hosting.Authentication;
using Maas.Hosting.Introspection;
using Maas.Hosting.Throttling;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Hosting.AspNetCore.Tests.DependencyInjection;

/// <summary>One <c>AddMaas</c> call, in code or from the <c>Maas</c> section, sets everything an embedder must set.</summary>
public sealed class AddMaasTests
{
    private const string Secret = "0123456789abcdef0123";
    private const string SecretHash = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    [Fact]
    public void One_call_in_code_sets_the_gateway_secret_and_clients()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Services.AddMaas(o =>
        {
            o.Issuer = "https://maas.example.com";
            o.Gateway.SharedSecret = Secret;
            o.Gateway.Clients.Add(new IntrospectionClient { ClientId = "authorino", SecretHash = SecretHash });
        }).UseInMemoryStorage();
        using var app = builder.Build();

        app.Services.GetRequiredService<IStartupValidator>().Validate();
        var gateway = app.Services.GetRequiredService<IOptionsMonitor<TrustedGatewayOptions>>().CurrentValue;
        Assert.Equal(Secret, gateway.SharedSecret);
        Assert.Equal("authorino", Assert.Single(gateway.Clients).ClientId);
        Assert.Equal(Secret, app.Services.GetRequiredService<IOptions<MaasOptions>>().Value.Gateway.SharedSecret);
    }

    [Fact]
    public void The_Maas_section_binds_every_setting_and_code_applies_on_top()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Maas:Issuer"] = "https://from-configuration.example.com",
            ["Maas:Tokens:Maximum"] = "48h",
            ["Maas:Gateway:SharedSecret"] = Secret,
            ["Maas:Gateway:Clients:0:ClientId"] = "authorino",
            ["Maas:Gateway:Clients:0:SecretHash"] = SecretHash,
            ["Maas:AuthenticationThrottle:FailureLimit"] = "7",
            ["Maas:Claims:NameClaimType"] = "sub",
            ["Maas:Claims:GroupClaimType"] = "groups",
        });
        builder.Services.AddMaas(builder.Configuration.GetSection("Maas"), o => o.Audience = "from-code-sa").UseInMemoryStorage();
        using var app = builder.Build();

        app.Services.GetRequiredService<IStartupValidator>().Validate();
        var maas = app.Services.GetRequiredService<IOptions<MaasOptions>>().Value;
        Assert.Equal(("https://from-configuration.example.com", "from-code-sa", TimeSpan.FromHours(48)), (maas.Issuer, maas.Audience, maas.Tokens.Maximum.ToTimeSpan()));
        var gateway = app.Services.GetRequiredService<IOptions<TrustedGatewayOptions>>().Value;
        Assert.Equal((Secret, "authorino"), (gateway.SharedSecret, Assert.Single(gateway.Clients).ClientId));
        Assert.Equal(7, app.Services.GetRequiredService<IOptions<MaasAuthenticationThrottleOptions>>().Value.FailureLimit);
        var claims = app.Services.GetRequiredService<IOptions<MaasClaimsOptions>>().Value;
        Assert.Equal(("sub", "groups"), (claims.NameClaimType, claims.GroupClaimType));
    }

    [Fact]
    public void A_host_that_configures_the_gateway_options_directly_still_wins()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Services.AddMaas(o => o.Gateway.SharedSecret = "secret-set-through-AddMaas").UseInMemoryStorage();
        builder.Services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = Secret);
        using var app = builder.Build();

        Assert.Equal(Secret, app.Services.GetRequiredService<IOptions<TrustedGatewayOptions>>().Value.SharedSecret);
    }

    [Fact]
    public void Without_a_shared_secret_outside_Development_start_up_stops_naming_the_setting()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Services.AddMaas(o => o.Issuer = "https://maas.example.com").UseInMemoryStorage();
        using var app = builder.Build();

        var error = Assert.Throws<OptionsValidationException>(() => app.Services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Maas:Gateway:SharedSecret is required", Assert.Single(error.Failures), StringComparison.Ordinal);
    }
}
