using Maas.Gateway.Limits;
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
}
