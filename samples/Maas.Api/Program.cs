using Maas.Api;
using Maas.ApiKeys;
using Microsoft.Extensions.Options;

// maas-api: the Maas sample host. A wrong flag or setting stops start-up with one line and exit code 2.
var storage = "in-memory";
try
{
    await using var app = MaasApiHost.Build(args);
    storage = app.Services.GetRequiredService<HostSettings>().StorageMode;

    // Validate every option before the host starts, so a wrong value is one line, not a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();

    // Starting opens and migrates the store and loads the signing keys: a wrong path or database stops here.
    await app.StartAsync();
    await app.WaitForShutdownAsync();
    return 0;
}
catch (IOException ex) when (ex.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException or System.Net.Sockets.SocketException)
{
    // Kestrel's message names the address and the cause ("address already in use").
    await Console.Error.WriteLineAsync("maas-api: cannot listen: " + ex.Message);
    return 2;
}
catch (HostSettingsException ex)
{
    await Console.Error.WriteLineAsync("maas-api: " + ex.Message);
    return 2;
}
catch (InvalidOperationException ex) when (ex.InnerException is k8s.Autorest.HttpOperationException or HttpRequestException or k8s.Exceptions.KubernetesClientException or TimeoutException or TaskCanceledException)
{
    // A Kubernetes feature could not read what it needs at start: a watched cluster resource (ConfigMap tiers, KServe
    // models) could not be listed because the API server is wrong, unreachable or refuses ("Could not list ConfigMap ... (HTTP 403 Forbidden).").
    await Console.Error.WriteLineAsync("maas-api: " + ex.Message.ReplaceLineEndings(" "));
    return 2;
}
catch (StoreUnavailableException ex)
{
    await Console.Error.WriteLineAsync($"maas-api: --storage={storage}: {ex.Message.ReplaceLineEndings(" ")}");
    return 2;
}
catch (Npgsql.NpgsqlException ex) when (storage == "external")
{
    // What the store does not sort into an outage (StoreUnavailableException above) still says why in one line;
    // Npgsql's messages name hosts, never the password.
    await Console.Error.WriteLineAsync($"maas-api: --storage=external: {ex.Message.ReplaceLineEndings(" ")}");
    return 2;
}
catch (InvalidOperationException ex) when (ex.InnerException is FormatException or ArgumentException or OverflowException)
{
    // The configuration binder could not convert a value, and names the setting:
    // "Failed to convert configuration value 'lots' at 'Maas:Tokens:Maximum' to type 'Maas.Durations.GoDuration'."
    await Console.Error.WriteLineAsync("maas-api: invalid configuration: " + ex.Message.ReplaceLineEndings(" "));
    return 2;
}
catch (k8s.Exceptions.KubeConfigException ex)
{
    await Console.Error.WriteLineAsync("maas-api: no Kubernetes configuration (not in a pod, and no usable kubeconfig): " + ex.Message.ReplaceLineEndings(" "));
    return 2;
}
catch (OptionsValidationException ex)
{
    await Console.Error.WriteLineAsync("maas-api: invalid configuration: " + string.Join(" ", ex.Failures));
    return 2;
}
catch (AggregateException ex) when (ex.InnerExceptions.All(e => e is OptionsValidationException))
{
    var failures = ex.InnerExceptions.Cast<OptionsValidationException>().SelectMany(e => e.Failures);
    await Console.Error.WriteLineAsync("maas-api: invalid configuration: " + string.Join(" ", failures));
    return 2;
}
