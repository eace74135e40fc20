using Maas.Kubernetes.Models;
using Maas.Models;
using Maas.Testing;
using Maas.Testing.Kubernetes;
using Maas.Tiers;

namespace Maas.Kubernetes.Tests.Models;

public sealed class LLMInferenceServiceCatalogTests : IAsyncLifetime
{
    private KServeCluster _kserve = null!;
    private LLMInferenceServiceCatalog? _catalog;

    public async Task InitializeAsync() => _kserve = await KServeCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_catalog is not null)
        {
            await _catalog.StopAsync(CancellationToken.None);
            _catalog.Dispose();
        }

        await _kserve.DisposeAsync();
    }

    [Fact]
    public async Task Services_attached_to_the_gateway_directly_or_through_http_routes_are_the_models_with_their_url_readiness_details_and_tiers()
    {
        await _kserve.ApplyAsync(KServeCluster.Service("opt", modelName: "facebook/opt-125m", annotations: """
                openshift.io/display-name: OPT 125M
                openshift.io/description: A small model
                opendatahub.io/genai-use-case: chat
                alpha.maas.opendatahub.io/tiers: '["premium"]'
            """));
        await _kserve.ApplyAsync(KServeCluster.Service("embedded", status: KServeCluster.Status("http://gateway.example/llm/embedded", null, ready: false), router: """
              router:
                route:
                  http:
                    spec:
                      parentRefs:
                      - name: maas-default-gateway
                        namespace: openshift-ingress
            """));
        await _kserve.ApplyAsync(KServeCluster.Service("named", annotations: "    alpha.maas.opendatahub.io/tiers: '[]'", router: """
              router:
                route:
                  http:
                    refs:
                    - name: named-route
            """) + "\n---\n" + Route("named-route", labels: ""));
        await _kserve.ApplyAsync(KServeCluster.Service("managed", router: """
              router:
                route:
                  http: {}
            """) + "\n---\n" + Route("managed-kserve-route", labels: """
                app.kubernetes.io/component: llminferenceservice-router
                app.kubernetes.io/name: managed
                app.kubernetes.io/part-of: llminferenceservice
            """));
        await _kserve.ApplyAsync(KServeCluster.Service("elsewhere", router: """
              router:
                gateway:
                  refs:
                  - name: another-gateway
                    namespace: openshift-ingress
            """));
        await _kserve.ApplyAsync(KServeCluster.Service("unrouted", router: ""));

        var catalog = await StartAsync();

        Assert.Equal(["embedded", "facebook/opt-125m", "managed", "named"], catalog.Models.Select(m => m.Id).Order(StringComparer.Ordinal));
        var opt = catalog.Models.Single(m => m.Id == "facebook/opt-125m");
        Assert.Equal(new Uri("http://gateway.example/llm/opt"), opt.Url);
        Assert.Equal(new Uri("http://opt-kserve-workload-svc.llm.svc.cluster.local:8000"), opt.Upstream);
        Assert.Equal("llm", opt.OwnedBy);
        Assert.True(opt.Ready);
        Assert.Equal("OPT 125M", opt.Details?.DisplayName);
        Assert.Equal("A small model", opt.Details?.Description);
        Assert.Equal("chat", opt.Details?.GenAIUse);
        Assert.Equal(["premium"], opt.Tiers);

        var embedded = catalog.Models.Single(m => m.Id == "embedded");
        Assert.False(embedded.Ready);
        Assert.Null(embedded.Upstream); // no in-cluster address: listed, not routed by the Maas gateway
        Assert.Null(embedded.Details);

        Assert.Equal(["embedded", "managed", "named"], await IdsForAsync(catalog, "free"));
        Assert.Equal(["embedded", "facebook/opt-125m", "managed", "named"], await IdsForAsync(catalog, "premium"));
    }

    [Fact]
    public async Task Bad_input_from_the_cluster_is_logged_and_skipped_and_the_good_models_stay()
    {
        await _kserve.ApplyAsync(KServeCluster.Service("good"));
        await _kserve.ApplyAsync(KServeCluster.Service("no-url", status: KServeCluster.Status(null, null, ready: true)));
        await _kserve.ApplyAsync(KServeCluster.Service("bad-tiers", annotations: "    alpha.maas.opendatahub.io/tiers: '[\"free\"'"));
        await _kserve.ApplyAsync(KServeCluster.Service("tiers-not-names", annotations: "    alpha.maas.opendatahub.io/tiers: '[1, 2]'"));
        await _kserve.ApplyAsync(KServeCluster.Service("good", ns: "other")); // the id "good" is taken
        await _kserve.ApplyAsync("""
            apiVersion: serving.kserve.io/v1alpha1
            kind: LLMInferenceService
            metadata:
              name: odd-fields
              namespace: llm
            spec:
              futureField: {nested: [1, 2, 3]}
              model:
                name: 42
              router:
                gateway:
                  refs:
                  - name: maas-default-gateway
                    namespace: openshift-ingress
                  - 17
            status:
              url: http://gateway.example/llm/odd-fields
              conditions: "not a list"
              somethingNew: true
            """);

        var catalog = await StartAsync();

        Assert.Equal(["good", "odd-fields"], catalog.Models.Select(m => m.Id).Order(StringComparer.Ordinal));
        Assert.False(catalog.Models.Single(m => m.Id == "odd-fields").Ready);
        var skipped = _kserve.Cluster.Logs.GetSnapshot().Where(r => r.Id.Id == 3402).Select(r => r.Message).ToList();
        Assert.Equal(4, skipped.Count);
        Assert.Contains(skipped, m => m.Contains("llm/no-url", StringComparison.Ordinal) && m.Contains("no URL", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("llm/bad-tiers", StringComparison.Ordinal) && m.Contains("not valid JSON", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("llm/tiers-not-names", StringComparison.Ordinal) && m.Contains("other than tier names", StringComparison.Ordinal));
        Assert.Contains(skipped, m => m.Contains("other/good", StringComparison.Ordinal) && m.Contains("already serves", StringComparison.Ordinal));

        // The status gets its URL: the model appears, and a later route event does not log the others again.
        await _kserve.UntilAsync(catalog, () => catalog.Models.Any(m => m.Id == "no-url"), () => _kserve.ApplyAsync(KServeCluster.Service("no-url")));
        var handled = 0;
        catalog.Handled += () => Interlocked.Increment(ref handled);
        await _kserve.UntilAsync(catalog, () => Volatile.Read(ref handled) > 0, () => _kserve.ApplyAsync(Route("unrelated", labels: "")));
        Assert.Equal(3, catalog.Models.Count);
        Assert.Equal(4, _kserve.Cluster.Logs.GetSnapshot().Count(r => r.Id.Id == 3402));
    }

    [Fact]
    public async Task Edits_applied_with_kubectl_change_the_models_without_a_restart()
    {
        await _kserve.ApplyAsync(KServeCluster.Service("opt"));
        var catalog = await StartAsync();
        var token = catalog.GetChangeToken();
        Assert.Equal(["opt"], catalog.Models.Select(m => m.Id));
        Assert.Empty(catalog.Models[0].Tiers);

        await _kserve.UntilAsync(catalog, () => catalog.Models is [{ Tiers: ["enterprise"] }], () =>
            _kserve.ApplyAsync(KServeCluster.Service("opt", annotations: "    alpha.maas.opendatahub.io/tiers: '[\"enterprise\"]'")));
        Assert.True(token.HasChanged);
        Assert.Empty(await IdsForAsync(catalog, "free"));

        // Attached later through a named HTTPRoute: it appears when the route does, and goes with it.
        await _kserve.ApplyAsync(KServeCluster.Service("late", router: """
              router:
                route:
                  http:
                    refs:
                    - name: late-route
            """));
        await _kserve.UntilAsync(catalog, () => catalog.Models.Any(m => m.Id == "late"), () => _kserve.ApplyAsync(Route("late-route", labels: "")));
        await _kserve.UntilAsync(catalog, () => catalog.Models.All(m => m.Id != "late"), () => _kserve.Kubectl.RunCheckedAsync(["delete", "httproute", "late-route", "-n", "llm"]));

        await _kserve.UntilAsync(catalog, () => catalog.Models.Count == 0, () => _kserve.Kubectl.RunCheckedAsync(["delete", "llminferenceservice", "opt", "-n", "llm"]));
    }

    [Fact]
    public async Task An_outage_keeps_the_last_models_and_the_watch_resumes_or_lists_again_by_itself()
    {
        await _kserve.ApplyAsync(KServeCluster.Service("opt"));
        var catalog = await StartAsync();
        await _kserve.UntilAsync(catalog, () => _kserve.Cluster.Server.OpenWatches == 2, () => Task.CompletedTask);
        var server = _kserve.Cluster.Server;

        // The API server refuses for a while: the watch fails and retries, the models stay.
        server.Forbid("watch", "llminferenceservices");
        server.Forbid("list", "llminferenceservices");
        await _kserve.UntilAsync(catalog, () => _kserve.Cluster.Logs.GetSnapshot().Any(r => r.Id.Id == 3204), () =>
        {
            server.DropWatches();
            return Task.CompletedTask;
        });
        Assert.Equal(["opt"], catalog.Models.Select(m => m.Id));

        // Back, with its history forgotten meanwhile: the watch gets 410 Gone and lists again.
        var lists = server.Calls.Count(c => c is { Verb: "list", Resource: "llminferenceservices" });
        server.Put(KubernetesResourceType.LlmInferenceServices, System.Text.Json.Nodes.JsonNode.Parse("""
            {"metadata":{"name":"second","namespace":"llm"},
             "spec":{"router":{"gateway":{"refs":[{"name":"maas-default-gateway","namespace":"openshift-ingress"}]}}},
             "status":{"url":"http://gateway.example/llm/second"}}
            """)!.AsObject());
        server.CompactHistory();
        await _kserve.UntilAsync(catalog, () => catalog.Models.Count == 2, () =>
        {
            server.AllowAll();
            return Task.CompletedTask;
        });
        Assert.True(server.Calls.Count(c => c is { Verb: "list", Resource: "llminferenceservices" }) > lists);
        Assert.Contains(_kserve.Cluster.Logs.GetSnapshot(), r => r.Id.Id == 3203);
    }

    [Fact]
    public async Task A_dropped_watch_resumes_from_its_resource_version_without_listing_again()
    {
        var catalog = await StartAsync();
        await _kserve.UntilAsync(catalog, () => _kserve.Cluster.Server.OpenWatches == 2, () => Task.CompletedTask);
        var lists = _kserve.Cluster.Server.Calls.Count(c => c.Verb == "list");

        await _kserve.UntilAsync(catalog, () => catalog.Models.Count == 1, async () =>
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _kserve.Cluster.Server.BeforeRequest = call => call.Verb == "watch" ? new ValueTask(gate.Task) : ValueTask.CompletedTask;
            _kserve.Cluster.Server.DropWatches();
            await _kserve.ApplyAsync(KServeCluster.Service("opt"));
            _kserve.Cluster.Server.BeforeRequest = null;
            gate.SetResult();
        });

        Assert.Equal(lists, _kserve.Cluster.Server.Calls.Count(c => c.Verb == "list"));
    }

    [Fact]
    public async Task An_api_server_that_refuses_stops_start_up_with_one_line()
    {
        _kserve.Cluster.Server.Forbid("list", "llminferenceservices");

        var error = await Assert.ThrowsAsync<InvalidOperationException>(StartAsync);

        Assert.Equal("Could not list llminferenceservices.serving.kserve.io/v1alpha1 in every namespace on the Kubernetes API server (HTTP 403 Forbidden).", error.Message);
    }

    private async Task<LLMInferenceServiceCatalog> StartAsync()
    {
        var catalog = new LLMInferenceServiceCatalog(_kserve.Cluster.Client, _kserve.Cluster.WrappedOptions, _kserve.Cluster.Time, _kserve.Cluster.Logger<LLMInferenceServiceCatalog>());
        _catalog = catalog;
        await catalog.StartAsync(CancellationToken.None);
        return catalog;
    }

    private static async Task<string[]> IdsForAsync(LLMInferenceServiceCatalog catalog, string tier) =>
        [.. (await catalog.ListAsync(new Tier { Name = tier })).Select(m => m.Id).Order(StringComparer.Ordinal)];

    private static string Route(string name, string labels) => $"""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata:
          name: {name}
          namespace: llm
          labels:
            test.example/route: "yes"
        {labels}
        spec:
          parentRefs:
          - name: maas-default-gateway
            namespace: openshift-ingress
        """;
}
