using System.Net;
using System.Text;
using Maas.Models;
using Maas.Tiers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Primitives;

namespace Maas.Gateway.Tests;

/// <summary>The per-model routes follow a catalog that changes at run time, and never become ambiguous.</summary>
public sealed class ModelRoutesTests
{
    [Fact]
    public async Task Models_a_watchable_catalog_adds_moves_and_removes_are_routed_without_a_restart()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var catalog = new ChangingCatalog();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models.Clear(), builderConfigure: b => b.Services.Replace(ServiceDescriptor.Singleton<IModelCatalog>(catalog)));
        using var client = gateway.Client(await gateway.TokenAsync());
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/late/v1/chat/completions", "late"));

        catalog.Set(Model("late", "/llm/late", upstream.BaseAddress));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/llm/late/v1/chat/completions", "late"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/v1/chat/completions", "late"));

        catalog.Set(Model("late", "/llm/moved", upstream.BaseAddress));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/late/v1/chat/completions", "late"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/llm/moved/v1/chat/completions", "late"));

        catalog.Set();
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/moved/v1/chat/completions", "late"));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/v1/chat/completions", "late"));
    }

    [Fact]
    public async Task Two_models_on_one_url_path_leave_the_first_on_it_and_the_second_at_the_root_and_never_answer_500()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o =>
        {
            o.Models.Add(Model("second", GatewayServer.ModelPath, upstream.BaseAddress));
            o.Models.Add(Model("odd", "/llm/{odd}", upstream.BaseAddress));
        });
        using var client = gateway.Client(await gateway.TokenAsync());

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, GatewayServer.ModelPath + "/v1/chat/completions", GatewayServer.ModelId));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/v1/chat/completions", "second"));
        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/v1/chat/completions", "odd"));
    }

    [Fact]
    public async Task A_second_model_with_a_taken_id_is_ignored()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        var catalog = new ChangingCatalog();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => o.Models.Clear(), builderConfigure: b => b.Services.Replace(ServiceDescriptor.Singleton<IModelCatalog>(catalog)));
        using var client = gateway.Client(await gateway.TokenAsync());

        catalog.Set(Model("twin", "/llm/first", upstream.BaseAddress), Model("twin", "/llm/second", upstream.BaseAddress));

        Assert.Equal(HttpStatusCode.OK, await ChatAsync(client, "/llm/first/v1/chat/completions", "twin"));
        Assert.Equal(HttpStatusCode.NotFound, await ChatAsync(client, "/llm/second/v1/chat/completions", "twin"));
    }

    private static ModelDescriptor Model(string id, string path, Uri upstream) =>
        new() { Id = id, OwnedBy = "test", Url = new Uri("http://models.example" + path), Upstream = upstream };

    private static async Task<HttpStatusCode> ChatAsync(HttpClient client, string path, string model)
    {
        using var response = await client.PostAsync(path, new StringContent($$"""{"model":"{{model}}","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    /// <summary>A catalog the test changes; every change fires its token at once.</summary>
    private sealed class ChangingCatalog : IWatchableModelCatalog
    {
        private CancellationTokenSource _changed = new();

        public IReadOnlyList<ModelDescriptor> Models { get; private set; } = [];

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_changed.Token);

        public ValueTask<IReadOnlyList<ModelDescriptor>> ListAsync(Tier tier, CancellationToken cancellationToken = default) =>
            ValueTask.FromResult(Models);

        public void Set(params ModelDescriptor[] models)
        {
            Models = models;
            var fired = _changed;
            _changed = new CancellationTokenSource();
            fired.Cancel();
        }
    }
}
