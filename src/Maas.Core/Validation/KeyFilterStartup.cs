using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Maas.Validation;

/// <summary>
/// Holds the host's start until the membership filter of existing keys has loaded, so the first
/// requests already refuse made-up keys in memory. A load that fails is logged and retried; the
/// host starts anyway and looks keys up in the store meanwhile.
/// </summary>
/// <remarks>
/// The validator (which starts the load, and builds the signing key ring) is resolved in
/// <see cref="StartAsync"/>, not injected: hosted services are all constructed before any starts,
/// and the store opens in its own hosted service's <c>StartingAsync</c>, before this runs.
/// </remarks>
internal sealed class KeyFilterStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) =>
        services.GetRequiredService<CredentialValidator>().KeyFilter.Loading.WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
