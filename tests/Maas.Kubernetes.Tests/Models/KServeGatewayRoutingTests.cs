using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Maas.Hosting.Authentication;
using k8s;
using Maas.Kubernetes.Models;
using Maas.ModelSimulator;
using Maas.Models;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Maas.Kubernetes.Tests.Models;

/// <summary>
/// The catalog feeds the gateway: an LLMInferenceService applied with kubectl becomes callable on
/// its URL's path and by its id, moves and goes, without a restart. The host runs the gateway and
/// the model simulator (under <c>/sim</c>, the model's in-cluster address) on real Kestrel.
/// </summary>
public sealed class KServeGatewayRoutingTests : IAsyncLifetime
{
    private const string ChatBody = """{"model":"facebook/opt-125m","messages":[{"role":"user","content":"hi"}]}""";
    private KServeCluster _kserve = null!;
    private WebApplication _app = null!;
    private Uri _baseAddress = null!;

    public async Task InitializeAsync()
    {
        _kserve = await KServeCluster.StartAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddMaas(_ => { })
            .UseInMemoryStorage()
            .UseKubernetes(client: new KubernetesClientConfiguration { Host = _kserve.Cluster.Server.BaseAddress.ToString() })
            .UseKubernetesModels()
            .AddMaasGateway();
        builder.Services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = "kserve-routing-tests-secret");
        builder.Services.AddModelSimulator();
        _app = builder.Build();
        _app.MapMaasGateway();
        _app.MapModelSimulator("/sim");
        await _app.StartAsync();
        _baseAddress = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await _kserve.DisposeAsync();
    }

    [Fact]
    public async Task A_model_applied_with_kubectl_is_routed_on_its_path_and_by_its_id_then_moves_and_goes_without_a_restart()
    {
        var catalog = _app.Services.GetRequiredService<LLMInferenceServiceCatalog>();
        var tokens = _app.Services.GetRequiredService<TokenService>();
        var alice = new MaasUser("alice", ["system:authenticated"]);
        using var client = new HttpClient { BaseAddress = _baseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await tokens.IssueAsync(alice, null)).Token);

        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/opt/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/v1/chat/completions"));

        await AfterChangeAsync(catalog, () => catalog.Models.Count == 1, () => _kserve.ApplyAsync(Opt("http://gateway.example/llm/opt")));

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/llm/opt/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/v1/chat/completions"));
        using (var models = await client.GetAsync("/llm/opt/v1/models"))
        {
            Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        }

        var listed = Assert.Single(await _app.Services.GetRequiredService<IModelCatalog>().ListAsync(_app.Services.GetRequiredService<ITierResolver>().GetTier(alice)));
        Assert.Equal(("facebook/opt-125m", new Uri("http://gateway.example/llm/opt")), (listed.Id, listed.Url));

        // The public URL moves: the route follows it.
        await AfterChangeAsync(catalog, () => catalog.Models is [{ Url.AbsolutePath: "/llm/opt-v2" }], () => _kserve.ApplyAsync(Opt("http://gateway.example/llm/opt-v2")));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/opt/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/llm/opt-v2/v1/chat/completions"));

        // Premium only now: the free tier is refused, on the path and at the root.
        await AfterChangeAsync(catalog, () => catalog.Models is [{ Tiers.Count: 1 }], () => _kserve.ApplyAsync(Opt("http://gateway.example/llm/opt-v2", "    alpha.maas.opendatahub.io/tiers: '[\"premium\"]'")));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(client, "/llm/opt-v2/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.Forbidden, await ChatAsync(client, "/v1/chat/completions"));

        await AfterChangeAsync(catalog, () => catalog.Models.Count == 0, () => _kserve.Kubectl.RunCheckedAsync(["delete", "llmisvc", "opt", "-n", "llm"]));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/opt-v2/v1/chat/completions"));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/v1/chat/completions"));
    }

    // Waits for the catalog event that makes the condition true: the event is raised once the change
    // has been handled, routes included (polling the catalog could see the models before the routes).
    private static async Task AfterChangeAsync(LLMInferenceServiceCatalog catalog, Func<bool> condition, Func<Task> action)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Check()
        {
            if (condition())
            {
                done.TrySetResult();
            }
        }

        catalog.Handled += Check;
        try
        {
            await action();
            await done.Task.WaitAsync(KServeCluster.Patience);
        }
        finally
        {
            catalog.Handled -= Check;
        }
    }

    private string Opt(string url, string annotations = "") =>
        KServeCluster.Service("opt", modelName: "facebook/opt-125m", annotations: annotations, status: KServeCluster.Status(url, new Uri(_baseAddress, "/sim").ToString(), ready: true));

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(path, new StringContent(ChatBody, Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }
}
