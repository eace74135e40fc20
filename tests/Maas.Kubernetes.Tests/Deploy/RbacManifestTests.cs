using Maas.Kubernetes.Authentication;
using Maas.Kubernetes.Models;
using Maas.Kubernetes.Tiers;
using Maas.Kubernetes.Tokens;
using Maas.Testing;
using Maas.Testing.Kubernetes;
using Maas.Tiers;
using Maas.Users;
using Microsoft.Extensions.Options;
using YamlDotNet.RepresentationModel;

namespace Maas.Kubernetes.Tests.Deploy;

/// <summary>The RBAC of <c>deploy/overlays/kubernetes</c> grants exactly the calls Maas.Kubernetes makes: nothing more, nothing missing.</summary>
public sealed class RbacManifestTests : IAsyncLifetime
{
    private readonly KubernetesTestCluster _cluster = new();

    public Task InitializeAsync() => _cluster.InitializeAsync();

    public Task DisposeAsync() => _cluster.DisposeAsync();

    [Fact]
    public async Task The_kubernetes_overlay_grants_exactly_the_verbs_and_resources_the_code_calls()
    {
        var made = await EveryCallTheCodeMakesAsync();

        var granted = await GrantedAsync(Path.Combine(RepositoryCheckout.Root, "deploy", "overlays", "kubernetes"));

        Assert.Equal(made.Order(), granted.Order());
    }

    private async Task<HashSet<string>> EveryCallTheCodeMakesAsync()
    {
        _cluster.Options.TokenReviewAudiences.Add("maas-api-sa");
        var issuer = new ServiceAccountTokenIssuer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<ServiceAccountTokenIssuer>());
        var reviewer = new KubernetesTokenReviewer(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<KubernetesTokenReviewer>());
        var alice = new MaasUser("alice", []);
        var issued = await issuer.IssueAsync(alice, new Tier { Name = "free" }, TimeSpan.FromHours(1));
        await reviewer.ReviewAsync(issued.Token);
        await issuer.RevokeAllAsync(alice);
        using var tiers = new ConfigMapTierSource(_cluster.Client, _cluster.WrappedOptions, Options.Create(new MaasOptions()), _cluster.Time, _cluster.Logger<ConfigMapTierSource>());
        var watching = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _cluster.Server.BeforeRequest = call =>
        {
            if (call.Verb == "watch")
            {
                watching.TrySetResult();
            }

            return ValueTask.CompletedTask;
        };
        await tiers.StartAsync(CancellationToken.None);
        await watching.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await tiers.StopAsync(CancellationToken.None);

        using var models = new LLMInferenceServiceCatalog(_cluster.Client, _cluster.WrappedOptions, _cluster.Time, _cluster.Logger<LLMInferenceServiceCatalog>());
        var watchingModels = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var watched = new HashSet<string>(StringComparer.Ordinal);
        _cluster.Server.BeforeRequest = call =>
        {
            lock (watched)
            {
                if (call.Verb == "watch" && watched.Add(call.Resource) && watched.Count == 2)
                {
                    watchingModels.TrySetResult();
                }
            }

            return ValueTask.CompletedTask;
        };
        await models.StartAsync(CancellationToken.None);
        await watchingModels.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await models.StopAsync(CancellationToken.None);

        return [.. _cluster.Server.Calls.Select(c => $"{c.Group}/{c.RbacResource}:{c.Verb}")];
    }

    private static async Task<HashSet<string>> GrantedAsync(string overlay)
    {
        var rendered = await new Kubectl("/dev/null").RunCheckedAsync(["kustomize", overlay]);
        var stream = new YamlStream();
        stream.Load(new StringReader(rendered));
        var granted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var document in stream.Documents)
        {
            var root = (YamlMappingNode)document.RootNode;
            var kind = ((YamlScalarNode)root.Children[new YamlScalarNode("kind")]).Value;
            if (kind is not ("Role" or "ClusterRole"))
            {
                continue;
            }

            foreach (YamlMappingNode rule in (YamlSequenceNode)root.Children[new YamlScalarNode("rules")])
            {
                foreach (var group in Values(rule, "apiGroups"))
                {
                    foreach (var resource in Values(rule, "resources"))
                    {
                        foreach (var verb in Values(rule, "verbs"))
                        {
                            Assert.True(granted.Add($"{group}/{resource}:{verb}"), $"{group}/{resource}:{verb} is granted twice");
                        }
                    }
                }
            }
        }

        return granted;
    }

    private static IEnumerable<string> Values(YamlMappingNode rule, string key) =>
        ((YamlSequenceNode)rule.Children[new YamlScalarNode(key)]).Children.Select(n => ((YamlScalarNode)n).Value ?? "");
}
