using Microsoft.Extensions.Primitives;

namespace Maas.Models;

/// <summary>
/// A model catalog whose models change at run time (for example discovered on a cluster): it tells
/// which models exist now and when that changes, so the gateway rebuilds its routes without a restart.
/// </summary>
public interface IWatchableModelCatalog : IModelCatalog
{
    /// <summary>Gets every model of the catalog now, whatever the tier.</summary>
    IReadOnlyList<ModelDescriptor> Models { get; }

    /// <summary>Returns a token that fires once when <see cref="Models"/> next changes.</summary>
    IChangeToken GetChangeToken();
}
