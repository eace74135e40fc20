using Maas.Api;
using Maas.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Api.Tests;

/// <summary>The maas-api host on real Kestrel, on 127.0.0.1 with a free port, with a fake clock.</summary>
public sealed class MaasApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MaasApiServer(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
        BaseAddress = app.GetBaseAddress();
    }

    public FakeTimeProvider Clock { get; }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<MaasApiServer> StartAsync(
        string[]? args = null,
        Action<WebApplicationBuilder>? configure = null,
        string environmentName = "Development",
        IDictionary<string, string?>? environment = null,
        FakeTimeProvider? clock = null)
    {
        clock ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var app = MaasApiHost.Build(
            ["--address", "127.0.0.1:0", "--metrics-port=0", .. args ?? []],
            builder =>
            {
                builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
                configure?.Invoke(builder);
            },
            name => environment is not null && environment.TryGetValue(name, out var value) ? value : null,
            environmentName);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A host that refused to start (the tests of start-up errors) is still disposed.
            await app.DisposeAsync();
            throw;
        }

        return new MaasApiServer(app, clock);
    }

    /// <summary>A client that sends no identity.</summary>
    public HttpClient CreateClient() => MaasClients.Anonymous(BaseAddress);

    /// <summary>A client that carries the gateway identity headers of <paramref name="user"/>.</summary>
    public HttpClient CreateClient(string user, params string[] groups) => MaasClients.WithIdentity(BaseAddress, user, groups);

    /// <summary>A client that presents <paramref name="credential"/> as a bearer token and no identity headers.</summary>
    public HttpClient CreateBearerClient(string credential) => MaasClients.WithBearer(BaseAddress, credential);

    public static StringContent Json(string json) => MaasTestHost.Json(json);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
