using System.Text.Json.Nodes;
using Maas.Kubernetes.Authentication;
using Maas.Testing.Kubernetes;
using Maas.Revocation;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Maas.Kubernetes.Tests.DependencyInjection;

/// <summary>The original's flow through the Maas services, wired the way a host wires it.</summary>
public sealed class MaasKubernetesExtensionsTests : IAsyncLifetime
{
    private readonly KubernetesTestCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task Tokens_are_service_account_tokens_for_the_tier_of_the_config_map_and_revoke_all_invalidates_them()
    {
        _cluster.Server.Put(KubernetesResourceType.ConfigMaps, new JsonObject
        {
            ["metadata"] = new JsonObject { ["name"] = "tier-to-group-mapping", ["namespace"] = "maas-api" },
            ["data"] = new JsonObject { ["tiers"] = "- name: free\n  level: 0\n  groups: [system:authenticated]\n- name: premium\n  level: 1\n  groups: [premium-users]\n" },
        });
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(_cluster.Time);
        services.AddMaasCore()
            .UseInMemoryStorage()
            .UseKubernetes(o => o.TokenReviewAudiences.Add("maas-api-sa"), new k8s.KubernetesClientConfiguration { Host = _cluster.Server.BaseAddress.ToString() })
            .UseKubernetesServiceAccountTokens()
            .UseKubernetesTiers();
        await using var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None);
        }

        try
        {
            var tokens = provider.GetRequiredService<TokenService>();
            var reviewer = provider.GetRequiredService<KubernetesTokenReviewer>();
            var alice = new MaasUser("alice@example.com", ["premium-users", "system:authenticated"]);
            Assert.IsType<Maas.Kubernetes.Tokens.ServiceAccountTokenIssuer>(provider.GetRequiredService<ITokenIssuer>());

            var issued = await tokens.IssueAsync(alice, null);

            var signedIn = await reviewer.ReviewAsync(issued.Token);
            Assert.NotNull(signedIn);
            Assert.Equal("system:serviceaccount:maas-api-tier-premium:alice-example-com-ff8d9819", signedIn.Name);
            Assert.Equal("premium", provider.GetRequiredService<ITierResolver>().Resolve(signedIn.Groups)?.Name);
            Assert.Equal(TimeSpan.FromHours(4), issued.ExpiresAt - issued.IssuedAt);

            await provider.GetRequiredService<RevocationService>().RevokeAllAsync(alice);
            _cluster.Time.Advance(TimeSpan.FromSeconds(11));

            Assert.Null(await reviewer.ReviewAsync(issued.Token));
        }
        finally
        {
            foreach (var service in hosted)
            {
                await service.StopAsync(CancellationToken.None);
            }
        }
    }
}
