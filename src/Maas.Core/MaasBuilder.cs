using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Maas;

/// <summary>
/// Returned by <c>AddMaas</c>/<c>AddMaasCore</c> so that storage, Kubernetes and hosting packages
/// can add themselves with <c>Use*</c> extension methods.
/// </summary>
public sealed class MaasBuilder
{
    internal MaasBuilder(IServiceCollection services, IConfiguration? configuration)
    {
        Services = services;
        Configuration = configuration;
    }

    /// <summary>Gets the service collection Maas registers into.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Gets the <c>Maas</c> configuration section given to <c>AddMaas</c>/<c>AddMaasCore</c>, or
    /// <see langword="null"/> when Maas is configured in code only. Packages bind their own
    /// sub-sections from it (<c>Storage:Sqlite</c>, <c>Storage:PostgreSql</c>, <c>Gateway:Limits</c>...).
    /// </summary>
    public IConfiguration? Configuration { get; }
}
