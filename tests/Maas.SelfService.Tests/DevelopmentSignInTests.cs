using System.Net;
using Maas.Hosting.Authentication;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Maas.SelfService.Tests;

/// <summary>The development sign-in exists in Development only: no configuration carries it elsewhere.</summary>
public sealed class DevelopmentSignInTests
{
    private const string Secret = "a-long-gateway-shared-secret-0123456789";

    [Fact]
    public async Task A_host_outside_development_with_the_development_sign_in_on_refuses_to_start()
    {
        var refused = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using var app = await SelfServiceEndpointTests.StartAsync(
                services =>
                {
                    services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = Secret);
                    services.Configure<MaasSelfServiceOptions>(o => o.DevelopmentSignIn = true);
                },
                environment: "Production");
        });

        Assert.Contains("DevelopmentSignIn is on in the 'Production' environment", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_or_switched_off_the_sign_in_form_is_a_404()
    {
        await using var production = await SelfServiceEndpointTests.StartAsync(services => services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = Secret), environment: "Production");
        await using var off = await SelfServiceEndpointTests.StartAsync();
        await using var on = await SelfServiceEndpointTests.StartAsync(services => services.Configure<MaasSelfServiceOptions>(o => o.DevelopmentSignIn = true));
        foreach (var app in new[] { production, off })
        {
            // Not routed at all (the 404 below would come from the loopback check too, were it routed).
            Assert.False(Routes(app).Contains("keys/sign-in"), string.Join(", ", Routes(app)));
            using var client = SelfServiceEndpointTests.Client(app);
            Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/keys/sign-in")).StatusCode);
            using var post = await client.PostAsync("/keys/sign-in", new FormUrlEncodedContent([new("UserName", "root"), new("Groups", "maas-admins")]));
            Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
            Assert.DoesNotContain("sign-in", await (await client.GetAsync("/keys")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        Assert.Contains("keys/sign-in", Routes(on));
        using var local = SelfServiceEndpointTests.Client(on);
        Assert.Equal(HttpStatusCode.OK, (await local.GetAsync("/keys/sign-in")).StatusCode);
        Assert.Contains("/keys/sign-in", await (await local.GetAsync("/keys")).Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Outside_development_the_gate_stays_shut_even_when_the_start_up_check_is_taken_away()
    {
        // The validator above is one guard; the gate asks the environment itself, so a host that lost the
        // validator (or replaced the options after it ran) still has no form and no cookie scheme.
        await using var production = await SelfServiceEndpointTests.StartAsync(
            services =>
            {
                services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = Secret);
                services.Configure<MaasSelfServiceOptions>(o => o.DevelopmentSignIn = true);
                services.RemoveAll<IValidateOptions<MaasSelfServiceOptions>>();
            },
            environment: "Production");
        Assert.True(production.Services.GetRequiredService<IOptions<MaasSelfServiceOptions>>().Value.DevelopmentSignIn);
        Assert.DoesNotContain("keys/sign-in", Routes(production));
        Assert.Null(await production.Services.GetRequiredService<IAuthenticationSchemeProvider>().GetSchemeAsync(DevelopmentSignIn.DevelopmentSignInDefaults.Scheme));
        using var client = SelfServiceEndpointTests.Client(production);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/keys/sign-in")).StatusCode);
        using var post = await client.PostAsync("/keys/sign-in", new FormUrlEncodedContent([new("UserName", "root"), new("Groups", "maas-admins")]));
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    private static HashSet<string?> Routes(WebApplication app) =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().Select(e => e.RoutePattern.RawText?.TrimStart('/'))];
}
