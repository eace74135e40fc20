using Maas.Gateway.Limits;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Maas.Gateway.Tests.Limits;

public sealed class LimitCounterRegistrationTests
{
    [Fact]
    public void Without_redis_the_counter_is_one_in_memory_singleton()
    {
        var services = new ServiceCollection().AddMaasLimitCounter().AddMaasLimitCounter();
        using var provider = services.BuildServiceProvider();
        var counter = provider.GetRequiredService<ILimitCounter>();
        Assert.IsType<InMemoryLimitCounter>(counter);
        Assert.Same(counter, provider.GetRequiredService<ILimitCounter>());
        Assert.Single(services, d => d.ServiceType == typeof(ILimitCounter));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<GatewayLimitOptions>));
    }

    [Fact]
    public void Options_have_documented_defaults()
    {
        var options = new GatewayLimitOptions();
        Assert.Equal(LimitFailureMode.Open, options.FailureMode);
        Assert.False(options.PerModel);
        Assert.Equal("Maas:Gateway:Limits", GatewayLimitOptions.SectionName);
        Assert.Null(options.Redis);
        Assert.Equal("maas:limits:", options.KeyPrefix);
    }

    [Fact]
    public void An_undefined_failure_mode_is_refused_naming_the_setting()
    {
        var services = new ServiceCollection().AddMaasLimitCounter();
        services.Configure<GatewayLimitOptions>(o => o.FailureMode = (LimitFailureMode)7);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayLimitOptions>>().Value);
        Assert.Contains("Maas:Gateway:Limits:FailureMode", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_counter_registered_before_is_kept()
    {
        var mine = new InMemoryLimitCounter(TimeProvider.System, new LimitCounterFailures(LimitFailureMode.Closed, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, new LimiterMetrics(null)));
        var services = new ServiceCollection().AddSingleton<ILimitCounter>(mine).AddMaasLimitCounter();
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<ILimitCounter>());
    }

    [Fact]
    public void A_redis_string_that_does_not_parse_is_refused_without_repeating_it()
    {
        var services = new ServiceCollection().AddMaasLimitCounter();
        services.Configure<GatewayLimitOptions>(o => o.Redis = "127.0.0.1:6379,password=hunter2-secret,notAnOption=1");
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayLimitOptions>>().Value);
        Assert.Contains("Maas:Gateway:Limits:Redis", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("maas:\nlimits")]
    public void An_empty_or_control_character_key_prefix_is_refused(string prefix)
    {
        var services = new ServiceCollection().AddMaasLimitCounter();
        services.Configure<GatewayLimitOptions>(o => o.KeyPrefix = prefix);
        using var provider = services.BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<GatewayLimitOptions>>().Value);
        Assert.Contains("Maas:Gateway:Limits:KeyPrefix", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_bind_from_their_configuration_section()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Maas:Gateway:Limits:Redis"] = "redis:6379",
                ["Maas:Gateway:Limits:FailureMode"] = "Closed",
                ["Maas:Gateway:Limits:PerModel"] = "true",
                ["Maas:Gateway:Limits:KeyPrefix"] = "prod:limits:",
            })
            .Build();
        var services = new ServiceCollection().AddMaasLimitCounter();
        services.Configure<GatewayLimitOptions>(configuration.GetSection(GatewayLimitOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        var options = provider.GetRequiredService<IOptions<GatewayLimitOptions>>().Value;
        Assert.Equal("redis:6379", options.Redis);
        Assert.Equal(LimitFailureMode.Closed, options.FailureMode);
        Assert.True(options.PerModel);
        Assert.Equal("prod:limits:", options.KeyPrefix);
    }
}
