using System.Text.Json.Nodes;
using Maas.Testing;
using Maas.Testing.Kubernetes;

namespace Maas.Kubernetes.Tests.ApiServer;

/// <summary>
/// The fake API server the Kubernetes tests run against, checked with a client no one here wrote:
/// kubectl applies, gets, creates tokens for and deletes every resource Maas uses.
/// </summary>
public sealed class FakeApiServerKubectlTests : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();
    private FakeKubernetesApiServer _server = null!;
    private Kubectl _kubectl = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartAsync();
        _kubectl = new Kubectl(_server.WriteKubeconfig(_directory.Path));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Kubectl_applies_gets_and_deletes_a_config_map_and_apply_again_updates_it()
    {
        await _kubectl.RunCheckedAsync(["create", "namespace", "maas"]);
        await _kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], ConfigMap("free"));
        Assert.Equal("tiers: [free]", (string?)_server.Get(KubernetesResourceType.ConfigMaps, "maas", "tier-to-group-mapping")!["data"]!["tiers"]);

        await _kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], ConfigMap("premium"));
        var json = JsonNode.Parse(await _kubectl.RunCheckedAsync(["get", "configmap", "tier-to-group-mapping", "-n", "maas", "-o", "json"]))!;
        Assert.Equal("tiers: [premium]", (string?)json["data"]!["tiers"]);

        var table = await _kubectl.RunCheckedAsync(["get", "cm", "-n", "maas"]);
        Assert.Contains("tier-to-group-mapping", table, StringComparison.Ordinal);

        await _kubectl.RunCheckedAsync(["delete", "configmap", "tier-to-group-mapping", "-n", "maas"]);
        Assert.Null(_server.Get(KubernetesResourceType.ConfigMaps, "maas", "tier-to-group-mapping"));
        var (exitCode, _, error) = await _kubectl.RunAsync(["get", "configmap", "tier-to-group-mapping", "-n", "maas"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_creates_a_token_for_a_service_account_that_token_review_accepts_for_its_audience()
    {
        await _kubectl.RunCheckedAsync(["create", "namespace", "maas-tier-free"]);
        await _kubectl.RunCheckedAsync(["create", "serviceaccount", "alice", "-n", "maas-tier-free"]);
        var token = (await _kubectl.RunCheckedAsync(["create", "token", "alice", "-n", "maas-tier-free", "--audience", "maas-sa", "--duration", "1h"])).Trim();

        var review = await _kubectl.RunCheckedAsync(["create", "--validate=false", "-o", "json", "-f", "-"], TokenReview(token, "maas-sa"));
        var status = JsonNode.Parse(review)!["status"]!;
        Assert.True((bool)status["authenticated"]!);
        Assert.Equal("system:serviceaccount:maas-tier-free:alice", (string?)status["user"]!["username"]);
        Assert.Contains("system:serviceaccounts:maas-tier-free", status["user"]!["groups"]!.AsArray().Select(g => (string?)g));

        var otherAudience = JsonNode.Parse(await _kubectl.RunCheckedAsync(["create", "--validate=false", "-o", "json", "-f", "-"], TokenReview(token, "someone-else")))!;
        Assert.False((bool)otherAudience["status"]!["authenticated"]!);

        // Deleting and recreating the account invalidates its earlier tokens.
        await _kubectl.RunCheckedAsync(["delete", "serviceaccount", "alice", "-n", "maas-tier-free"]);
        await _kubectl.RunCheckedAsync(["create", "serviceaccount", "alice", "-n", "maas-tier-free"]);
        var afterRecreate = JsonNode.Parse(await _kubectl.RunCheckedAsync(["create", "--validate=false", "-o", "json", "-f", "-"], TokenReview(token, "maas-sa")))!;
        Assert.False((bool)afterRecreate["status"]!["authenticated"]!);
    }

    [Fact]
    public async Task Kubectl_applies_lists_and_deletes_llm_inference_services_and_http_routes()
    {
        await _kubectl.RunCheckedAsync(["create", "namespace", "llm"]);
        await _kubectl.RunCheckedAsync(["apply", "--validate=false", "-f", "-"], """
            apiVersion: serving.kserve.io/v1alpha1
            kind: LLMInferenceService
            metadata:
              name: facebook-opt-125m
              namespace: llm
              annotations:
                alpha.maas.opendatahub.io/tiers: '["free"]'
            spec:
              model:
                name: facebook/opt-125m
            ---
            apiVersion: gateway.networking.k8s.io/v1
            kind: HTTPRoute
            metadata:
              name: facebook-opt-125m
              namespace: llm
            spec:
              parentRefs:
              - name: maas-default-gateway
                namespace: openshift-ingress
            """);
        var services = JsonNode.Parse(await _kubectl.RunCheckedAsync(["get", "llminferenceservices", "-A", "-o", "json"]))!;
        Assert.Equal("facebook/opt-125m", (string?)services["items"]![0]!["spec"]!["model"]!["name"]);
        var routes = await _kubectl.RunCheckedAsync(["get", "httproutes", "-n", "llm", "-o", "name"]);
        Assert.Contains("httproute.gateway.networking.k8s.io/facebook-opt-125m", routes, StringComparison.Ordinal);

        var byShortName = JsonNode.Parse(await _kubectl.RunCheckedAsync(["get", "llmisvc", "facebook-opt-125m", "-n", "llm", "-o", "json"]))!;
        Assert.Equal("[\"free\"]", (string?)byShortName["metadata"]!["annotations"]!["alpha.maas.opendatahub.io/tiers"]);

        await _kubectl.RunCheckedAsync(["delete", "llminferenceservice", "facebook-opt-125m", "-n", "llm"]);
        Assert.Empty(_server.List(KubernetesResourceType.LlmInferenceServices));
        await _kubectl.RunCheckedAsync(["delete", "httproute", "facebook-opt-125m", "-n", "llm"]);
        Assert.Empty(_server.List(KubernetesResourceType.HttpRoutes));
        var (exitCode, _, error) = await _kubectl.RunAsync(["get", "httproute", "facebook-opt-125m", "-n", "llm"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("not found", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubectl_sees_forbidden_and_already_exists_as_a_real_server_answers_them()
    {
        await _kubectl.RunCheckedAsync(["create", "namespace", "maas"]);
        var (exitCode, _, error) = await _kubectl.RunAsync(["create", "namespace", "maas"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("AlreadyExists", error, StringComparison.Ordinal);

        _server.Forbid("list", "configmaps");
        (exitCode, _, error) = await _kubectl.RunAsync(["get", "configmaps", "-n", "maas"]);
        Assert.NotEqual(0, exitCode);
        Assert.Contains("Forbidden", error, StringComparison.Ordinal);
    }

    private static string ConfigMap(string tier) => $"""
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: tier-to-group-mapping
          namespace: maas
        data:
          tiers: "tiers: [{tier}]"
        """;

    private static string TokenReview(string token, string audience) => $$$"""
        {"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{"token":"{{{token}}}","audiences":["{{{audience}}}"]}}
        """;
}
