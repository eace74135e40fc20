using Maas.Models;
using Maas.Tiers;
using Microsoft.Extensions.Options;

namespace Maas.Core.Tests.Models;

public sealed class ConfiguredModelCatalogTests
{
    [Fact]
    public async Task A_tier_sees_open_models_and_the_ones_listing_it_in_configuration_order()
    {
        var options = new MaasOptions();
        options.Models.Add(new ModelDescriptor { Id = "open" });
        options.Models.Add(new ModelDescriptor { Id = "premium-only", Tiers = { "premium" } });
        options.Models.Add(new ModelDescriptor { Id = "paid", Tiers = { "premium", "enterprise" } });
        var catalog = new ConfiguredModelCatalog(Options.Create(options));

        var free = await catalog.ListAsync(new Tier { Name = "free" });
        var premium = await catalog.ListAsync(new Tier { Name = "premium" });
        var enterprise = await catalog.ListAsync(new Tier { Name = "enterprise" });

        Assert.Equal(["open"], free.Select(m => m.Id));
        Assert.Equal(["open", "premium-only", "paid"], premium.Select(m => m.Id));
        Assert.Equal(["open", "paid"], enterprise.Select(m => m.Id));
    }

    [Fact]
    public async Task An_empty_catalog_lists_nothing_rather_than_null()
    {
        var catalog = new ConfiguredModelCatalog(Options.Create(new MaasOptions()));
        Assert.Empty(await catalog.ListAsync(new Tier { Name = "free" }));
    }
}
