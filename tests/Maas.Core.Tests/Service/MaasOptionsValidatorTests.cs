using Maas.Durations;
using Maas.Models;
using Maas.Tiers;

namespace Maas.Core.Tests.Service;

public sealed class MaasOptionsValidatorTests
{
    private static readonly MaasOptionsValidator Validator = new();

    [Fact]
    public void Defaults_with_default_tiers_are_valid()
    {
        var options = new MaasOptions();
        foreach (var tier in DefaultTiers.Create())
        {
            options.Tiers.Add(tier);
        }

        Assert.True(Validator.Validate(null, options).Succeeded);
    }

    [Fact]
    public void Rotation_grace_bounds_are_checked_and_zero_is_allowed()
    {
        var options = new MaasOptions();
        options.ApiKeys.Rotation.DefaultGrace = GoDuration.FromHours(2);
        options.ApiKeys.Rotation.MaximumGrace = GoDuration.FromHours(1);
        Assert.Contains(
            "Maas:ApiKeys:Rotation:DefaultGrace (2h0m0s) must lie between 0s and MaximumGrace (1h0m0s).",
            Validator.Validate(null, options).Failures!);

        options.ApiKeys.Rotation.MaximumGrace = new GoDuration(-1);
        Assert.Contains(Validator.Validate(null, options).Failures!, f => f.StartsWith("Maas:ApiKeys:Rotation:MaximumGrace must not be negative", StringComparison.Ordinal));

        options.ApiKeys.Rotation.DefaultGrace = new GoDuration(0);
        options.ApiKeys.Rotation.MaximumGrace = new GoDuration(0);
        Assert.DoesNotContain(Validator.Validate(null, options).Failures ?? [], f => f.Contains("Rotation", StringComparison.Ordinal));
    }

    [Fact]
    public void Minimum_above_maximum_is_named()
    {
        var options = new MaasOptions();
        options.Tokens.Minimum = GoDuration.FromHours(2);
        options.Tokens.Maximum = GoDuration.FromHours(1);
        var result = Validator.Validate(null, options);
        Assert.Contains("Maas:Tokens:Minimum (2h0m0s) is above Maas:Tokens:Maximum (1h0m0s).", result.Failures!);
    }

    [Fact]
    public void Default_outside_the_bounds_and_non_positive_minimum_are_refused()
    {
        var options = new MaasOptions();
        options.ApiKeys.Default = GoDuration.FromHours(10_000);
        options.Tokens.Minimum = new GoDuration(0);
        var failures = Validator.Validate(null, options).Failures!.ToList();
        Assert.Contains(failures, f => f.StartsWith("Maas:ApiKeys:Default (10000h0m0s) must lie between", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("Maas:Tokens:Minimum must be positive", StringComparison.Ordinal));
    }

    [Fact]
    public void Duplicate_tier_names_and_models_naming_unknown_tiers_are_refused()
    {
        var options = new MaasOptions();
        options.Tiers.Add(new Tier { Name = "gold", Groups = { "a" } });
        options.Tiers.Add(new Tier { Name = "gold", Groups = { "b" } });
        options.Models.Add(new ModelDescriptor { Id = "m", Tiers = { "platinum" } });
        options.Models.Add(new ModelDescriptor { Id = "m" });
        var failures = Validator.Validate(null, options).Failures!.ToList();
        Assert.Contains("Maas:Tiers has two tiers named 'gold'; tier names must be unique.", failures);
        Assert.Contains("Maas:Models:0:Tiers names tier 'platinum', which is not configured.", failures);
        Assert.Contains("Maas:Models has two models with id 'm'.", failures);
    }
}
