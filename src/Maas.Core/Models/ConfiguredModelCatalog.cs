using Maas.Tiers;
using Microsoft.Extensions.Options;

namespace Maas.Models;

/// <summary>The catalog of models listed in configuration; a model with no tiers is open to every tier.</summary>
internal sealed class ConfiguredModelCatalog(IOptions<MaasOptions> options) : IModelCatalog
{
    private readonly ModelDescriptor[] _models = [.. options.Value.Models];

    public ValueTask<IReadOnlyList<ModelDescriptor>> ListAsync(Tier tier, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tier);
        var visible = new List<ModelDescriptor>(_models.Length);
        foreach (var model in _models)
        {
            if (model.Tiers.Count == 0 || model.Tiers.Contains(tier.Name, StringComparer.Ordinal))
            {
                visible.Add(model);
            }
        }

        return ValueTask.FromResult<IReadOnlyList<ModelDescriptor>>(visible);
    }
}
