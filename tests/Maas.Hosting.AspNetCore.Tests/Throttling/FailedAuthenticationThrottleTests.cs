using System.Net;
using Maas.Hosting.Throttling;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Maas.Hosting.AspNetCore.Tests.Throttling;

/// <summary>The per-address counter of failed authentications: limit, window on a fake clock, bounded table, quiet logs.</summary>
public sealed class FailedAuthenticationThrottleTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly FakeLogger<FailedAuthenticationThrottle> _logger = new();

    private FailedAuthenticationThrottle Create(int limit = 5, int capacity = 10_000) =>
        new(new FixedOptions(new MaasAuthenticationThrottleOptions { FailureLimit = limit, Window = TimeSpan.FromMinutes(1), AddressCapacity = capacity }), _clock, _logger);

    private static DefaultHttpContext From(string address) => new() { Connection = { RemoteIpAddress = IPAddress.Parse(address) } };

    [Fact]
    public void Address_is_throttled_after_the_configured_failures_and_released_when_the_window_ends()
    {
        var throttle = Create(limit: 5);
        var attacker = From("198.51.100.7");
        for (var i = 0; i < 4; i++)
        {
            throttle.RecordFailure(attacker, FailedAuthenticationKind.GatewaySecret);
            Assert.False(throttle.IsThrottled(attacker, out _));
        }

        throttle.RecordFailure(attacker, FailedAuthenticationKind.GatewaySecret);
        Assert.True(throttle.IsThrottled(attacker, out var retryAfter));
        Assert.Equal(TimeSpan.FromMinutes(1), retryAfter);

        _clock.Advance(TimeSpan.FromSeconds(59));
        Assert.True(throttle.IsThrottled(attacker, out retryAfter));
        Assert.Equal(TimeSpan.FromSeconds(1), retryAfter);

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.False(throttle.IsThrottled(attacker, out _));

        // A new window starts from zero.
        throttle.RecordFailure(attacker, FailedAuthenticationKind.GatewaySecret);
        Assert.False(throttle.IsThrottled(attacker, out _));
    }

    [Fact]
    public void Another_address_is_unaffected_and_an_ipv6_subscriber_counts_per_64()
    {
        var throttle = Create(limit: 3);
        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(From("2001:db8:1:2::" + (i + 1)), FailedAuthenticationKind.BearerCredential);
        }

        Assert.True(throttle.IsThrottled(From("2001:db8:1:2::ffff"), out _));
        Assert.False(throttle.IsThrottled(From("2001:db8:1:3::1"), out _));
        Assert.False(throttle.IsThrottled(From("198.51.100.8"), out _));

        for (var i = 0; i < 3; i++)
        {
            throttle.RecordFailure(From("::ffff:198.51.100.9"), FailedAuthenticationKind.BearerCredential);
        }

        Assert.True(throttle.IsThrottled(From("198.51.100.9"), out _));
        Assert.False(throttle.IsThrottled(From("198.51.100.10"), out _));
        Assert.False(throttle.IsThrottled(new DefaultHttpContext(), out _)); // no address (in-process): never throttled
    }

    [Fact]
    public void Rotating_addresses_cannot_grow_the_table_or_the_log()
    {
        var throttle = Create(limit: 2, capacity: 1_000);
        for (var i = 0; i < 100_000; i++)
        {
            var address = new IPAddress(BitConverter.GetBytes(0x0A000000 + i).Reverse().ToArray());
            throttle.RecordFailure(new DefaultHttpContext { Connection = { RemoteIpAddress = address } }, FailedAuthenticationKind.IntrospectionClient);
            Assert.True(throttle.TrackedAddresses <= 1_000);
        }

        Assert.Equal(1_000, throttle.TrackedAddresses);
        Assert.Equal(FailedAuthenticationThrottle.LogLinesPerWindow, _logger.Collector.Count);

        // The next window reports how many lines were held back, once.
        _clock.Advance(TimeSpan.FromMinutes(1));
        throttle.RecordFailure(From("192.0.2.1"), FailedAuthenticationKind.IntrospectionClient);
        var summary = _logger.Collector.GetSnapshot().Single(r => r.Id.Id == 2103);
        Assert.Contains((100_000 - FailedAuthenticationThrottle.LogLinesPerWindow).ToString(System.Globalization.CultureInfo.InvariantCulture), summary.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_line_for_the_first_failure_and_one_when_throttling_starts_each_naming_address_and_kind()
    {
        var throttle = Create(limit: 10);
        var attacker = From("203.0.113.5");
        for (var i = 0; i < 50; i++)
        {
            throttle.RecordFailure(attacker, FailedAuthenticationKind.IntrospectionClient);
        }

        var lines = _logger.Collector.GetSnapshot();
        Assert.Equal(2, lines.Count);
        Assert.Equal(LogLevel.Information, lines[0].Level);
        Assert.Contains("203.0.113.5", lines[0].Message, StringComparison.Ordinal);
        Assert.Contains("IntrospectionClient", lines[0].Message, StringComparison.Ordinal);
        Assert.Equal(LogLevel.Warning, lines[1].Level);
        Assert.Contains("Throttling 203.0.113.5: 10 failed authentications", lines[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 60, 10, "FailureLimit")]
    [InlineData(5, 0, 10, "Window")]
    [InlineData(5, 60, 0, "AddressCapacity")]
    public void Options_that_could_not_work_are_refused(int limit, int windowSeconds, int capacity, string setting)
    {
        var result = new MaasAuthenticationThrottleOptionsValidator().Validate(null, new MaasAuthenticationThrottleOptions
        {
            FailureLimit = limit,
            Window = TimeSpan.FromSeconds(windowSeconds),
            AddressCapacity = capacity,
        });
        Assert.True(result.Failed);
        Assert.Contains("Maas:AuthenticationThrottle:" + setting, result.FailureMessage, StringComparison.Ordinal);
        Assert.True(new MaasAuthenticationThrottleOptionsValidator().Validate(null, new MaasAuthenticationThrottleOptions()).Succeeded);
    }

    private sealed class FixedOptions(MaasAuthenticationThrottleOptions value) : IOptionsMonitor<MaasAuthenticationThrottleOptions>
    {
        public MaasAuthenticationThrottleOptions CurrentValue => value;

        public MaasAuthenticationThrottleOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<MaasAuthenticationThrottleOptions, string?> listener) => null;
    }
}
