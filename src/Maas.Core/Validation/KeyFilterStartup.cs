using Microsoft.Extensions.Hosting;

namespace Maas.Validation;

/// <summary>
/// Holds the host's start until the membership filter of existing keys has loaded, so the first
/// requests already refuse made-up keys in memory. A load that fails is logged and retried; the
/// host starts anyway and looks keys up in the store meanwhile.
/// </summary>
internal sealed class KeyFilterStartup(CredentialValidator validator) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => validator.KeyFilter.Loading.WaitAsync(cancellationToken);

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
