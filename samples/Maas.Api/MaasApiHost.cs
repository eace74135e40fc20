using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Maas.Hosting.Kestrel;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Maas.Api;

/// <summary>
/// Builds the <c>maas-api</c> application from flags, environment and configuration. Tests build
/// it in-process (real Kestrel on loopback) and may replace services, such as the clock.
/// </summary>
internal static partial class MaasApiHost
{
    public static WebApplication Build(
        IReadOnlyList<string> args,
        Action<WebApplicationBuilder>? configure = null,
        Func<string, string?>? environment = null,
        string? environmentName = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        environmentName ??= DefaultEnvironment(environment);
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = [],
            // The application is maas-api whoever hosts it (tests build it in-process): Razor Pages
            // find the self-service page in the assembly this name gives.
            ApplicationName = typeof(MaasApiHost).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = environmentName,
        });
        builder.Logging.ClearProviders();

        var settings = HostSettings.Parse(args, environment, builder.Environment.IsDevelopment());
        if (settings.Debug)
        {
            builder.Logging.SetMinimumLevel(LogLevel.Debug);
        }

        builder.Logging.Configure(o => o.ActivityTrackingOptions = ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId);
        if (settings.LogFormat == "json")
        {
            builder.Logging.AddMaasJsonConsole();
        }
        else
        {
            builder.Logging.AddMaasTextConsole();
        }

        builder.Services.AddSingleton(settings);
        builder.WebHost.UseMaasConnectionLimits(settings.StorageMode == "external" ? settings.DbMaxOpenConnections : 0);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            try
            {
                kestrel.BindMaasConfiguration(builder.Configuration.GetSection("Kestrel"));
            }
            catch (InvalidOperationException ex)
            {
                throw new HostSettingsException(ex.Message);
            }

            kestrel.Listen(settings.Address!, listen =>
            {
                if (settings.Secure)
                {
                    listen.UseMaasHttps(LoadCertificate(settings), settings.TlsMinimumVersion);
                }
            });
            MaasApiTelemetry.Listen(kestrel, settings);
        });

        // The flags give the issuer and audience their defaults; Maas:Issuer and Maas:Audience
        // (Maas__Issuer in the deployment) override them, as every Maas setting binds from "Maas".
        builder.Services.Configure<MaasOptions>(options =>
        {
            options.Issuer = settings.InstanceName;
            options.Audience = settings.GatewayName + "-sa";
        });
        var maas = builder.Services.AddMaas(builder.Configuration.GetSection(MaasOptions.SectionName));
        MaasApiStorage.Configure(maas, settings);
        MaasApiKubernetes.Configure(builder, maas, settings, environment);
        MaasApiTelemetry.Configure(builder, settings, environment);
        builder.Services.AddHealthChecks().AddMaasChecks();
        builder.Services.AddMaasGracefulShutdown(settings.ShutdownTimeout);

        builder.Services.AddOpenApi(o => o.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "maas-api";
            document.Info.Description = "Models-as-a-Service credentials: tokens, API keys, tiers, models, introspection.";
            return Task.CompletedTask;
        }));
        configure?.Invoke(builder);
        MaasApiDataPlane.AddServices(builder, maas);
        // The self-service page at /keys, signed in by the gateway's identity headers as the REST API is:
        // a caller without them gets the page's 401 screen; in Development it links to /keys/sign-in, a form
        // for loopback callers that signs a plain browser in as anyone (the page's, never the REST API's).
        builder.Services.AddMaasSelfService(o =>
        {
            o.AuthenticationScheme = Maas.Hosting.Authentication.MaasAuthenticationDefaults.GatewayScheme;
            o.ChallengeAnonymousCallers = false;
            o.DevelopmentSignIn = builder.Environment.IsDevelopment();
        });
        // The gateway and other proxies whose X-Forwarded-For names the real client (failed sign-ins are throttled per client).
        var trustedProxies = builder.Configuration.GetSection("Maas:TrustedProxies");
        if (trustedProxies.Exists())
        {
            builder.Services.AddMaasTrustedProxies(trustedProxies);
        }

        var corsOrigins = builder.Configuration.GetSection("Maas:Cors:Origins").Get<string[]>() ?? [];
        if (settings.Debug && corsOrigins.Length > 0)
        {
            builder.Services.AddCors(cors => cors.AddDefaultPolicy(policy =>
                policy.WithOrigins(corsOrigins).AllowAnyHeader().AllowAnyMethod().AllowCredentials()));
        }

        var app = builder.Build();
        if (trustedProxies.Exists())
        {
            app.UseForwardedHeaders();
        }

        MaasApiDataPlane.UsePathBase(app);
        if (settings.Debug && corsOrigins.Length > 0)
        {
            app.UseCors();
        }

        // The request metrics and log line come before sign-in and authorization, so refused requests
        // are counted and logged too; UsePathBase routes first, so both see the endpoint.
        MaasApiTelemetry.Map(app, settings);
        // The page's style sheet and script (static web assets of Maas.SelfService), never sniffed as anything else.
        app.UseStaticFiles(new StaticFileOptions { OnPrepareResponse = context => context.Context.Response.Headers.XContentTypeOptions = "nosniff" });
        app.UseAuthentication();
        app.UseAuthorization();

        app.MapMaasApi();
        MaasApiDataPlane.Map(app);
        app.MapMaasSelfService();
        app.MapMaasHealthChecks();
        app.MapOpenApi().AllowAnonymous();

        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Maas.Api");
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var metricsSuffix = ":" + settings.MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var metrics = settings.MetricsPort > 0 ? addresses.FirstOrDefault(a => a.EndsWith(metricsSuffix, StringComparison.Ordinal)) : null;
            var listening = string.Join(", ", addresses.Where(a => !ReferenceEquals(a, metrics)));
            LogListening(logger, listening, settings.StorageMode, app.Environment.EnvironmentName);
            if (metrics is not null)
            {
                LogMetricsListening(logger, metrics + MaasApiTelemetry.MetricsPath);
            }

            // ASP.NET Core's own listening setting (ASPNETCORE_URLS, or "urls" in configuration): the listeners
            // are the flags', so say that it is not used rather than ignore it silently. (Not ASPNETCORE_HTTP_PORTS:
            // the .NET container images set it to 8080 for every app.)
            if (app.Configuration["urls"] is { Length: > 0 } urls)
            {
                LogUrlsIgnored(logger, urls);
            }

            // Said at start, not at the first such request: whoever reads the start-up lines knows what this host trusts.
            var gateway = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<Maas.Hosting.Authentication.TrustedGatewayOptions>>().Value;
            if (app.Environment.IsDevelopment() && string.IsNullOrEmpty(gateway.SharedSecret))
            {
                var simulator = MaasApiDataPlane.SimulatorMapped(app) ? $" The model simulator answers at {MaasApiDataPlane.SimulatorPrefix} without credentials." : "";
                LogTrustingLoopback(logger, gateway.UserHeader, gateway.GroupHeader, simulator);
            }
            if (settings.Debug && corsOrigins.Length == 0)
            {
                LogNoCorsOrigins(logger);
            }
        });
        return app;
    }

    private static X509Certificate2 LoadCertificate(HostSettings settings)
    {
        if (settings.TlsCertificate is null || settings.TlsKey is null)
        {
            return MaasServerCertificates.CreateSelfSigned(settings.InstanceName, TimeProvider.System);
        }

        try
        {
            return MaasServerCertificates.LoadPem(settings.TlsCertificate, settings.TlsKey);
        }
        catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            throw new HostSettingsException($"--tls-cert/--tls-key could not be loaded ({settings.TlsCertificate}, {settings.TlsKey}): {ex.GetType().Name}");
        }
    }

    /// <summary>
    /// The environment when neither <c>ASPNETCORE_ENVIRONMENT</c> nor <c>DOTNET_ENVIRONMENT</c> is set:
    /// <c>MAAS_DEFAULT_ENVIRONMENT</c>, which the launch profile (<c>dotnet run</c>) sets to Development.
    /// The profile sets this rather than <c>ASPNETCORE_ENVIRONMENT</c> because <c>dotnet run</c> lets a
    /// profile's variables override the caller's: an environment the user set explicitly must win.
    /// </summary>
    internal static string? DefaultEnvironment(Func<string, string?> environment) =>
        environment("ASPNETCORE_ENVIRONMENT") is { Length: > 0 } || environment("DOTNET_ENVIRONMENT") is { Length: > 0 }
            ? null
            : environment("MAAS_DEFAULT_ENVIRONMENT") is { Length: > 0 } fallback ? fallback : null;

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "maas-api listening on {Addresses} (storage: {Storage}, environment: {Environment})")]
    private static partial void LogListening(ILogger logger, string addresses, string storage, string environment);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "--debug is set but Maas:Cors:Origins is empty: CORS stays off (origins are never opened to everyone)")]
    private static partial void LogNoCorsOrigins(ILogger logger);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "maas-api metrics (Prometheus) on {MetricsAddress} (--metrics-port/METRICS_PORT; 0 turns it off)")]
    private static partial void LogMetricsListening(ILogger logger, string metricsAddress);

    [LoggerMessage(EventId = 4, Level = LogLevel.Warning, Message = "ASPNETCORE_URLS ({Urls}) is ignored: maas-api listens where --address/ADDRESS and --metrics-port/METRICS_PORT say, as the Go service does")]
    private static partial void LogUrlsIgnored(ILogger logger, string urls);

    [LoggerMessage(EventId = 5, Level = LogLevel.Warning, Message = "Development without Maas:Gateway:SharedSecret: identity headers ({UserHeader}, {GroupHeader}) are trusted from loopback callers.{Simulator} Set ASPNETCORE_ENVIRONMENT=Production (and a shared secret) anywhere that matters")]
    private static partial void LogTrustingLoopback(ILogger logger, string userHeader, string groupHeader, string simulator);
}
