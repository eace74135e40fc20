using Maas.ModelSimulator;

namespace Maas.Api;

/// <summary>
/// The sample host's data plane: the Maas gateway (<c>Maas:DataPlane:Gateway</c>) and the model
/// simulator (<c>Maas:DataPlane:Simulator</c>), both on in Development and off elsewhere unless
/// set to <c>true</c> (for example <c>Maas__DataPlane__Gateway=true</c>). The simulator is mapped
/// under <see cref="SimulatorPrefix"/> on the host's own listener; Development's catalog points the
/// simulated model's <c>Upstream</c> there with a path-only address, which the gateway resolves
/// against the address the host really listens on (so tests on a random port work too). Every
/// path also answers under <c>/maas-api</c>, the prefix the original's gateway routes the API on.
/// </summary>
internal static class MaasApiDataPlane
{
    /// <summary>Where the in-process simulator is mapped; the gateway forwards to it, callers use the model URL.</summary>
    public const string SimulatorPrefix = "/internal/simulator";

    /// <summary>The path prefix the original's gateway serves maas-api under.</summary>
    public const string PathBase = "/maas-api";

    public static void AddServices(WebApplicationBuilder builder, MaasBuilder maas)
    {
        var (gateway, simulator) = Enabled(builder.Configuration, builder.Environment);
        builder.Services.AddSingleton(new DataPlaneSwitches(gateway, simulator));
        if (gateway)
        {
            maas.AddMaasGateway();
        }

        if (simulator)
        {
            builder.Services.AddModelSimulator(builder.Configuration.GetSection("Maas:Simulator"), options => CatalogCard(builder.Configuration, options));
        }
    }

    /// <summary>Serves every path under <see cref="PathBase"/> as well; call first, before any other middleware.</summary>
    public static void UsePathBase(WebApplication app)
    {
        app.UsePathBase(PathBase);
        app.UseRouting();
    }

    public static void Map(WebApplication app)
    {
        var (gateway, simulator) = app.Services.GetRequiredService<DataPlaneSwitches>();
        if (gateway)
        {
            app.MapMaasGateway();
        }

        if (simulator)
        {
            app.MapModelSimulator(SimulatorPrefix).ExcludeFromDescription();
        }
    }

    /// <summary>
    /// The simulator lists its models as the catalog describes them (<c>owned_by</c>, <c>created</c>): the model
    /// URL's <c>GET /v1/models</c> is the simulator's answer, forwarded as any upstream's, and agrees with the
    /// control plane's. Taken from the first catalog model whose <c>Upstream</c> is the simulator; a
    /// <c>Maas:Simulator</c> setting still wins.
    /// </summary>
    private static void CatalogCard(ConfigurationManager configuration, ModelSimulatorOptions options)
    {
        foreach (var model in configuration.GetSection("Maas:Models").GetChildren())
        {
            if (string.Equals(model["Upstream"]?.TrimEnd('/'), SimulatorPrefix, StringComparison.Ordinal))
            {
                options.OwnedBy = model["OwnedBy"] ?? options.OwnedBy;
                options.Created = model.GetValue<long?>("Created") ?? options.Created;
                return;
            }
        }
    }

    /// <summary>Whether the simulator is mapped (it answers without credentials).</summary>
    public static bool SimulatorMapped(WebApplication app) => app.Services.GetRequiredService<DataPlaneSwitches>().Simulator;

    /// <summary>What <see cref="AddServices"/> decided, so mapping follows the same decision.</summary>
    private sealed record DataPlaneSwitches(bool Gateway, bool Simulator);

    private static (bool Gateway, bool Simulator) Enabled(IConfiguration configuration, IHostEnvironment environment)
    {
        var development = environment.IsDevelopment();
        return (configuration.GetValue<bool?>("Maas:DataPlane:Gateway") ?? development,
                configuration.GetValue<bool?>("Maas:DataPlane:Simulator") ?? development);
    }
}
