using Maas.Api;
using Microsoft.Extensions.Options;

// maas-api: the Maas sample host. A wrong flag or setting stops start-up with one line and exit code 2.
try
{
    await using var app = MaasApiHost.Build(args);

    // Validate every option before the host starts, so a wrong value is one line, not a stack trace.
    app.Services.GetService<IStartupValidator>()?.Validate();
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
