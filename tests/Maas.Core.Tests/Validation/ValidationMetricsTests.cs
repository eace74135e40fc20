using Maas.ApiKeys;
using Maas.Validation;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace Maas.Core.Tests.Validation;

/// <summary>The <c>Maas</c> meter counts validations by kind and outcome, and cache hits and misses, with no secret in a tag.</summary>
public sealed class ValidationMetricsTests
{
    [Fact]
    public async Task Every_outcome_is_counted_by_kind_and_no_tag_carries_a_credential_or_user_name()
    {
        using var context = new ValidationTestContext();
        using var validations = new MetricCollector<long>(context.Meters, ValidationMetrics.MeterName, ValidationMetrics.ValidationsName);
        using var hits = new MetricCollector<long>(context.Meters, ValidationMetrics.MeterName, ValidationMetrics.CacheHitsName);
        using var misses = new MetricCollector<long>(context.Meters, ValidationMetrics.MeterName, ValidationMetrics.CacheMissesName);

        var (key, id) = await context.CreateKeyAsync();
        var token = (await context.IssueTokenAsync(lifetime: TimeSpan.FromMinutes(10))).Token;
        var secrets = new[] { key, token, id, "alice" };
        await context.ValidateAsync(key);                                   // api_key valid (miss)
        await context.ValidateAsync(key);                                   // api_key valid (hit)
        await context.ValidateAsync(ApiKeyFormat.Generate().Key);           // api_key unknown
        await context.ValidateAsync(key[..^1] + (key[^1] == 'a' ? 'b' : 'a')); // api_key malformed
        await context.ValidateAsync(token);                                 // token valid (miss)
        await context.ValidateAsync(token);                                 // token valid (hit)
        await context.ValidateAsync("not-a-jwt");                           // token malformed
        await context.ValidateAsync(token[..^2] + (token[^2] == 'A' ? "BA" : "AA")); // token bad_signature
        await context.Service.ApiKeys.RevokeAsync(ValidationTestContext.Alice, id);
        await context.ValidateAsync(key);                                   // api_key revoked
        context.Time.Advance(TimeSpan.FromMinutes(10));
        await context.ValidateAsync(token);                                 // token expired

        var counted = validations.GetMeasurementSnapshot()
            .Select(m => $"{m.Tags["kind"]}/{m.Tags["outcome"]}")
            .ToList();
        Assert.Equal(
            ["api_key/valid", "api_key/valid", "api_key/unknown", "api_key/malformed", "token/valid", "token/valid", "token/malformed", "token/bad_signature", "api_key/revoked", "token/expired"],
            counted);
        Assert.Equal(["api_key", "token"], hits.GetMeasurementSnapshot().Select(m => (string)m.Tags["cache"]!).Distinct().Order());
        Assert.True(misses.GetMeasurementSnapshot().Count >= 5);

        foreach (var measurement in validations.GetMeasurementSnapshot().Concat(hits.GetMeasurementSnapshot()).Concat(misses.GetMeasurementSnapshot()))
        {
            foreach (var tag in measurement.Tags)
            {
                var value = Assert.IsType<string>(tag.Value);
                Assert.DoesNotContain(secrets, secret => value.Contains(secret, StringComparison.Ordinal));
                Assert.Matches("^[a-z_]+$", value);
            }
        }
    }

    [Fact]
    public async Task No_tier_is_its_own_outcome()
    {
        using var context = new ValidationTestContext(tiers: new global::Maas.Tiers.TierResolver([new global::Maas.Tiers.Tier { Name = "gold", Groups = { "gold" } }]));
        using var validations = new MetricCollector<long>(context.Meters, ValidationMetrics.MeterName, ValidationMetrics.ValidationsName);
        var token = new Maas.Tokens.JwtTokenIssuer(context.Keys, context.Options, context.Time)
            .Issue(ValidationTestContext.Bob, new global::Maas.Tiers.Tier { Name = "free" }, TimeSpan.FromHours(1)).Token;

        await context.ValidateAsync(token);
        await context.ValidateAsync(token);

        Assert.All(validations.GetMeasurementSnapshot(), m => Assert.Equal("no_tier", m.Tags["outcome"]));
        Assert.Equal(2, validations.GetMeasurementSnapshot().Count);
    }
}
