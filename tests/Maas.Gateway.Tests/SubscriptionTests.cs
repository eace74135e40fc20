using System.Net;
using System.Text.Json;
using Maas.ApiKeys;
using Maas.Auditing;
using Maas.Gateway.Usage;
using Maas.Usage;
using Maas.Users;
using Microsoft.Extensions.DependencyInjection;

namespace Maas.Gateway.Tests;

/// <summary>
/// A key bound to a subscription (a tier its owner chose) draws on that tier's limits at the gateway,
/// reports and records that tier; a key whose owner is no longer entitled to it is refused 403
/// <c>invalid_subscription</c>, before any limit or upstream.
/// </summary>
public sealed class SubscriptionTests
{
    // In free (system:authenticated) and premium (premium-group): the default tiers allow 5 and 20 requests per 2 minutes.
    private static readonly MaasUser Carol = new("carol", ["system:authenticated", "premium-group"]);

    private static async Task<HttpResponseMessage> CallAsync(HttpClient client) =>
        await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","messages":[{"role":"user","content":"hi"}],"max_tokens":8}"""));

    [Fact]
    public async Task A_key_bound_to_a_lower_tier_counts_against_that_tier_and_usage_and_the_ledger_name_it()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var free = await gateway.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "cheap", Subscription = "free" });
        var highest = await gateway.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "best" });
        using var freeClient = gateway.Client(free.Key);
        using var highestClient = gateway.Client(highest.Key);

        using (var bound = await CallAsync(freeClient))
        {
            Assert.Equal(HttpStatusCode.OK, bound.StatusCode);
            Assert.StartsWith("\"requests\";q=5;w=120", bound.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        }

        using (var unbound = await CallAsync(highestClient))
        {
            Assert.Equal(HttpStatusCode.OK, unbound.StatusCode);
            Assert.StartsWith("\"requests\";q=20;w=120", unbound.Headers.GetValues("RateLimit-Policy").Single(), StringComparison.Ordinal);
        }

        using (var usage = JsonDocument.Parse(await freeClient.GetStringAsync("/v1/usage")))
        {
            Assert.Equal("free", usage.RootElement.GetProperty("tier").GetString());
            Assert.Equal(5, usage.RootElement.GetProperty("requests").GetProperty("limit").GetInt64());
        }

        // The free tier's fifth call is its last: the sixth is refused while the premium key still passes.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(freeClient)).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(freeClient)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(highestClient)).StatusCode);

        Assert.True(await gateway.Services.GetRequiredService<UsageLedgerWriter>().FlushAsync(CancellationToken.None));
        var byTier = await gateway.Services.GetRequiredService<IUsageLedger>().ReportAsync(new UsageReportQuery
        {
            From = gateway.Clock.GetUtcNow().AddDays(-1),
            To = gateway.Clock.GetUtcNow().AddDays(1),
            GroupBy = UsageReportGrouping.Tier,
        });
        Assert.Equal(
            [("free", 6L, 1L), ("premium", 2L, 0L)],
            byTier.Entries.Select(e => (e.Group, e.Requests, e.LimitedRequests)).OrderBy(e => e.Group, StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_key_whose_owner_lost_its_subscription_is_403_invalid_subscription_and_never_counted_or_forwarded()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var premium = await gateway.ApiKeys.CreateAsync(Carol, new ApiKeyRequest { Name = "designated", Subscription = "premium" });
        using (var entitled = gateway.Client(premium.Key))
        {
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(entitled)).StatusCode);
        }

        // Carol left premium-group and rotates the key: the replacement carries the subscription and her groups now.
        var carolNow = new MaasUser("carol", ["system:authenticated"]);
        var rotated = await gateway.ApiKeys.RotateAsync(carolNow, premium.Record.Id, null, MaasRequestContext.None);
        Assert.Equal("premium", rotated!.Record.Subscription);
        using var client = gateway.Client(rotated.Key);
        var counted = gateway.Counter.Acquired.Count;

        using (var refused = await CallAsync(client))
        {
            await BadInputTests.AssertOpenAiErrorAsync(refused, 403, "invalid_subscription");
            using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
            Assert.Equal("permission_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
            Assert.Contains("'premium'", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        }

        await BadInputTests.AssertOpenAiErrorAsync(await client.GetAsync("/v1/usage"), 403, "invalid_subscription");
        Assert.Single(upstream.Requests);
        Assert.Equal(counted, gateway.Counter.Acquired.Count);
    }
}
