using Maas.Tiers;

namespace Maas.Models;

/// <summary>Lists the models a tier may use.</summary>
public interface IModelCatalog
{
    /// <summary>Returns the models available to <paramref name="tier"/>; never <see langword="null"/>.</summary>
    ValueTask<IReadOnlyList<ModelDescriptor>> ListAsync(Tier tier, CancellationToken cancellationToken = default);
}
