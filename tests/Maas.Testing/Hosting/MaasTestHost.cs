using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Testing;

/// <summary>
/// The smallest host of the Maas REST API, for the hosting package's endpoint tests: real Kestrel
/// on 127.0.0.1 with a free port, composed only from the packages as an embedder would compose
/// them (<c>AddMaas</c> bound to the <c>Maas</c> configuration section, one store,
/// <c>MapMaasApi</c>), on a fake clock. Callers sign in as the gateway does, with its identity
/// headers: in Development a loopback caller is trusted without the shared secret. When
/// <c>Maas:TrustedProxies</c> is set, the package's trusted proxies and the forwarded-headers
/// middleware come first, as in <c>maas-api</c>. It logs as a real host does, to nowhere
/// (<see cref="DiscardingLoggerProvider"/>). No flags, no telemetry, no page, no data plane: a test
/// of those belongs to the sample's tests.
/// </summary>
public sealed class MaasTestHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private MaasTestHost(WebApplication app, FakeTimeProvider clock)
    {
        _app = app;
        Clock = clock;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    /// <summary>The host's clock; every Maas service reads time from it.</summary>
    public FakeTimeProvider Clock { get; }

    /// <summary>Where the host listens, for example <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Builds and starts the host on <paramref name="store"/> (in memory by default). <paramref name="configure"/>
    /// runs after Maas and the store are added: set configuration keys (<c>Maas:Admins:Groups:0</c>...) or
    /// replace services there.
    /// </summary>
    public static async Task<MaasTestHost> StartAsync(
        MaasTestStore? store = null,
        Action<WebApplicationBuilder>? configure = null,
        string environmentName = "Development",
        FakeTimeProvider? clock = null)
    {
        clock ??= new FakeTimeProvider(new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero));
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environmentName,
        });
        builder.Logging.ClearProviders().AddProvider(new DiscardingLoggerProvider());
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(IPAddress.Loopback, 0);
        });

        var maas = builder.Services.AddMaas(builder.Configuration.GetSection(MaasOptions.SectionName));
        (store ?? MaasTestStore.InMemory).Use(maas);
        builder.Services.Replace(ServiceDescriptor.Singleton<TimeProvider>(clock));
        configure?.Invoke(builder);

        var trustedProxies = builder.Configuration.GetSection("Maas:TrustedProxies");
        if (trustedProxies.Exists())
        {
            builder.Services.AddMaasTrustedProxies(trustedProxies);
        }

        var app = builder.Build();
        if (trustedProxies.Exists())
        {
            app.UseForwardedHeaders();
        }

        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapMaasApi();
        try
        {
            await app.StartAsync();
        }
        catch
        {
            // A host that refused to start is still disposed.
            await app.DisposeAsync();
            throw;
        }

        return new MaasTestHost(app, clock);
    }

    /// <summary>A client that sends no identity.</summary>
    public HttpClient CreateClient() => MaasClients.Anonymous(BaseAddress);

    /// <summary>A client that carries the gateway identity headers of <paramref name="user"/>.</summary>
    public HttpClient CreateClient(string user, params string[] groups) => MaasClients.WithIdentity(BaseAddress, user, groups);

    /// <summary>A client that presents <paramref name="credential"/> as a bearer token and no identity headers.</summary>
    public HttpClient CreateBearerClient(string credential) => MaasClients.WithBearer(BaseAddress, credential);

    /// <summary>A JSON request body.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
