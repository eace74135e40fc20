using Maas.ApiKeys;
using Microsoft.Extensions.Options;

namespace Maas.Api;

/// <summary>
/// What <c>maas-api</c> does from its arguments to its exit code: build, validate, start, run until shut down.
/// A wrong flag or setting stops start-up with one line on <paramref name="error"/> and exit code 2. Tests run it
/// in-process with the <see cref="MaasApiHost.Build"/> seams (environment, configuration) instead of a process each.
/// </summary>
internal static class MaasApiProgram
{
    public static async Task<int> RunAsync(
        string[] args,
        TextWriter error,
        Action<WebApplicationBuilder>? configure = null,
        Func<string, string?>? environment = null,
        string? environmentName = null,
        CancellationToken stopping = default)
    {
        var storage = "in-memory";
        try
        {
            await using var app = MaasApiHost.Build(args, configure, environment, environmentName);
            storage = app.Services.GetRequiredService<HostSettings>().StorageMode;

            // Validate every option before the host starts, so a wrong value is one line, not a stack trace.
            app.Services.GetService<IStartupValidator>()?.Validate();

            // Starting opens and migrates the store and loads the signing keys: a wrong path or database stops here.
            await app.StartAsync(stopping);
            await app.WaitForShutdownAsync(stopping);
            return 0;
        }
        catch (Exception ex) when (StartupError(ex, storage) is { } line)
        {
            await error.WriteLineAsync("maas-api: " + line);
            return 2;
        }
    }

    // The one line for each way start-up can fail, tried in order; any other exception is a crash with its stack trace.
    private static string? StartupError(Exception ex, string storage) => ex switch
    {
        // Kestrel's message names the address and the cause ("address already in use").
        IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException } => "cannot listen: " + ex.Message,
        HostSettingsException => ex.Message,

        // A Kubernetes feature could not read what it needs at start: a watched cluster resource (ConfigMap tiers, KServe
        // models) could not be listed because the API server is wrong, unreachable or refuses ("Could not list ConfigMap ... (HTTP 403 Forbidden).").
        InvalidOperationException { InnerException: k8s.Autorest.HttpOperationException or HttpRequestException or k8s.Exceptions.KubernetesClientException or TimeoutException or TaskCanceledException } =>
            ex.Message.ReplaceLineEndings(" "),
        StoreUnavailableException => $"--storage={storage}: {ex.Message.ReplaceLineEndings(" ")}",

        // What the store does not sort into an outage (StoreUnavailableException above) still says why in one line;
        // Npgsql's messages name hosts, never the password.
        Npgsql.NpgsqlException when storage == "external" => $"--storage=external: {ex.Message.ReplaceLineEndings(" ")}",

        // The configuration binder could not convert a value, and names the setting:
        // "Failed to convert configuration value 'lots' at 'Maas:Tokens:Maximum' to type 'Maas.Durations.GoDuration'."
        InvalidOperationException { InnerException: FormatException or ArgumentException or OverflowException } => "invalid configuration: " + ex.Message.ReplaceLineEndings(" "),
        k8s.Exceptions.KubeConfigException => "no Kubernetes configuration (not in a pod, and no usable kubeconfig): " + ex.Message.ReplaceLineEndings(" "),
        OptionsValidationException options => "invalid configuration: " + string.Join(" ", options.Failures),
        AggregateException aggregate when aggregate.InnerExceptions.All(e => e is OptionsValidationException) =>
            "invalid configuration: " + string.Join(" ", aggregate.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures)),
        _ => null,
    };
}
