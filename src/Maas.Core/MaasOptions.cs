using Maas.Administration;
using Maas.Durations;
using Maas.Models;
using Maas.Tiers;
using Maas.Tokens;
using Maas.Validation;

namespace Maas;

/// <summary>
/// Everything Maas.Core needs to know: who signs, how long credentials live, the tiers and the
/// models. Binds from the <c>Maas</c> configuration section.
/// </summary>
public sealed class MaasOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Maas";

    /// <summary>Gets or sets the <c>iss</c> claim of issued tokens.</summary>
    /// <value>The default is <c>maas-api</c>.</value>
    public string Issuer { get; set; } = "maas-api";

    /// <summary>Gets or sets the <c>aud</c> claim of issued tokens.</summary>
    /// <value>The default is <c>maas-default-gateway-sa</c>, the audience the original deployment's gateway expects.</value>
    public string Audience { get; set; } = "maas-default-gateway-sa";

    /// <summary>Gets the lifetimes of ephemeral tokens.</summary>
    /// <value>Default 4 hours, minimum 10 minutes, maximum 24 hours.</value>
    public LifetimePolicy Tokens { get; init; } = new()
    {
        Default = GoDuration.FromHours(4),
        Minimum = GoDuration.FromMinutes(10),
        Maximum = GoDuration.FromHours(24),
    };

    /// <summary>Gets the lifetimes of API keys.</summary>
    /// <value>Default 720 hours (30 days), minimum 10 minutes, maximum 8,760 hours (365 days); rotation grace 1 hour by default, at most 168 hours.</value>
    public ApiKeyPolicy ApiKeys { get; init; } = new()
    {
        Default = GoDuration.FromHours(720),
        Minimum = GoDuration.FromMinutes(10),
        Maximum = GoDuration.FromHours(8760),
    };

    /// <summary>Gets the tiers, in configuration order; when empty the three default tiers apply.</summary>
    public IList<Tier> Tiers { get; init; } = [];

    /// <summary>Gets the models of the configured catalog.</summary>
    public IList<ModelDescriptor> Models { get; init; } = [];

    /// <summary>Gets the settings of the built-in token signer.</summary>
    public SigningOptions Signing { get; init; } = new();

    /// <summary>Gets how in-process validation caches answers and records key usage (<c>Maas:Validation</c>).</summary>
    public ValidationOptions Validation { get; init; } = new();

    /// <summary>Gets who administers other users' keys and reads the audit trail (<c>Maas:Admins</c>).</summary>
    public AdministratorOptions Admins { get; init; } = new();
}
