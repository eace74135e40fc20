using System.Net;
using System.Net.Http.Headers;
using Maas.ApiKeys;
using Maas.Gateway.Limits;
using Maas.Hosting.Authentication;
using Maas.Models;
using Maas.Testing;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Gateway.Tests;

/// <summary>
/// A host running only the gateway on real Kestrel (127.0.0.1, free port) with in-memory storage,
/// the default tiers and a fake clock, serving <c>test/model</c> at <c>/llm/test-model</c> from
/// <paramref name="upstream"/>; its limit counter is wrapped in a <see cref="RecordingLimitCounter"/>.
/// <c>storage</c> registers another key store (in memory when it registers none).
/// </summary>
internal sealed class GatewayServer : IAsyncDisposable
{
    public const string ModelId = "test/model";
    public const string ModelPath = "/llm/test-model";

    private readonly WebApplication _app;

    private GatewayServer(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
        BaseAddress = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        Counter = (RecordingLimitCounter)app.Services.GetRequiredService<ILimitCounter>();
    }

    public FakeTimeProvider Clock { get; }

    public Uri BaseAddress { get; }

    public RecordingLimitCounter Counter { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<GatewayServer> StartAsync(
        Uri upstream,
        Action<MaasOptions>? configure = null,
        Action<GatewayForwardingOptions>? forwarding = null,
        Action<WebApplicationBuilder>? builderConfigure = null,
        Action<MaasBuilder>? storage = null)
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0));
        builder.Services.AddSingleton<TimeProvider>(clock);
        var maas = builder.Services.AddMaas(options =>
            {
                options.Models.Add(new ModelDescriptor
                {
                    Id = ModelId,
                    OwnedBy = "test",
                    Url = new Uri("http://models.example" + ModelPath),
                    Upstream = upstream,
                });
                configure?.Invoke(options);
            });
        storage?.Invoke(maas);
        maas.UseInMemoryStorage().AddMaasGateway(forwarding);
        builder.Services.Configure<TrustedGatewayOptions>(o => o.SharedSecret = "gateway-tests-shared-secret");
        builderConfigure?.Invoke(builder);
        var inner = builder.Services.LastOrDefault(d => d.ServiceType == typeof(ILimitCounter));
        builder.Services.RemoveAll<ILimitCounter>();
        builder.Services.AddSingleton<ILimitCounter>(sp => new RecordingLimitCounter((ILimitCounter)(inner!.ImplementationFactory?.Invoke(sp) ?? inner.ImplementationInstance ?? ActivatorUtilities.CreateInstance(sp, inner.ImplementationType!))));
        var app = builder.Build();
        app.MapMaasGateway();
        await app.StartAsync();
        return new GatewayServer(app, clock);
    }

    /// <summary>
    /// Counts on <paramref name="redis"/> under a key prefix of its own (<paramref name="prefix"/> and a
    /// fresh id), failing closed: while the counters cannot answer, calls get 503.
    /// </summary>
    public static Action<WebApplicationBuilder> CountingOnRedis(RedisServer redis, string prefix) =>
        builder => builder.Services.Configure<GatewayLimitOptions>(o =>
        {
            o.Redis = redis.Configuration;
            o.KeyPrefix = prefix + Guid.NewGuid().ToString("N") + ":";
            o.FailureMode = LimitFailureMode.Closed;
        });

    /// <summary>Reads <c>/v1/usage</c> until a host's counters answer (the Redis connection is made in the background); reading counts nothing.</summary>
    public static async Task UntilCountingAsync(HttpClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var usage = await client.GetAsync("/v1/usage", timeout.Token);
            if (usage.StatusCode != HttpStatusCode.ServiceUnavailable)
            {
                Assert.Equal(HttpStatusCode.OK, usage.StatusCode);
                return;
            }

            await Task.Delay(50, timeout.Token);
        }
    }

    public TokenService Tokens => _app.Services.GetRequiredService<TokenService>();

    public ApiKeyService ApiKeys => _app.Services.GetRequiredService<ApiKeyService>();

    public ITierResolver Tiers => _app.Services.GetRequiredService<ITierResolver>();

    /// <summary>Issues a token for a user of <paramref name="groups"/> (free tier: system:authenticated).</summary>
    public async Task<string> TokenAsync(string user = "alice", params string[] groups) =>
        (await Tokens.IssueAsync(new MaasUser(user, groups.Length == 0 ? ["system:authenticated"] : groups), null)).Token;

    /// <summary>Creates an API key for a user of <paramref name="groups"/>.</summary>
    public async Task<string> KeyAsync(string user = "alice", params string[] groups) =>
        (await ApiKeys.CreateAsync(new MaasUser(user, groups.Length == 0 ? ["system:authenticated"] : groups), new ApiKeyRequest { Name = "k" })).Key;

    public HttpClient Client(string? credential = null)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        if (credential is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        }

        return client;
    }

    /// <summary>
    /// A client of <paramref name="user"/> (a token of the free tier) once the counters answer: on Redis
    /// the connection is made in the background, and until then <c>/v1/usage</c> answers 503. Reading counts nothing.
    /// </summary>
    public async Task<HttpClient> CountingClientAsync(string user)
    {
        var client = Client(await TokenAsync(user));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var usage = await client.GetAsync("/v1/usage", timeout.Token);
            if (usage.StatusCode != System.Net.HttpStatusCode.ServiceUnavailable)
            {
                return client;
            }

            // Poll interval while the connection is made, not a guess at how long that takes.
            await Task.Delay(20, timeout.Token);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
