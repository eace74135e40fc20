using Microsoft.Extensions.DependencyInjection;

namespace Maas;

/// <summary>
/// Returned by <c>AddMaas</c>/<c>AddMaasCore</c> so that storage, Kubernetes and hosting packages
/// can add themselves with <c>Use*</c> extension methods.
/// </summary>
public sealed class MaasBuilder
{
    internal MaasBuilder(IServiceCollection services) => Services = services;

    /// <summary>Gets the service collection Maas registers into.</summary>
    public IServiceCollection Services { get; }
}
