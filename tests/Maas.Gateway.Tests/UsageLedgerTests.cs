using System.Net;
using Maas.ApiKeys;
using Maas.Durations;
using Maas.Gateway.Usage;
using Maas.Tiers;
using Maas.Usage;
using Maas.Users;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Maas.Gateway.Tests;

/// <summary>
/// Calls through the gateway (in-memory counters) end up in the usage ledger once, with the usage the
/// upstream reported, the credential, the key's labels and the outcome; written on the fake clock's
/// tick, on a graceful stop, and after a store outage, losing and doubling nothing.
/// </summary>
public sealed class UsageLedgerTests
{
    private static void SmallTier(MaasOptions options, int requests) =>
        options.Tiers.Add(new Tier
        {
            Name = "small",
            Groups = ["system:authenticated"],
            Limits = new TierLimits { Requests = requests, Window = GoDuration.FromMinutes(2), TokensPerMinute = 0 },
        });

    private static UsageQuery Query(GatewayServer gateway, UsageGrouping groupBy = UsageGrouping.Key, string? label = null, string user = "alice") => new()
    {
        User = user,
        From = gateway.Clock.GetUtcNow().AddDays(-1),
        To = gateway.Clock.GetUtcNow().AddDays(1),
        Granularity = UsageGranularity.Day,
        GroupBy = groupBy,
        Label = label,
    };

    private static async Task<HttpResponseMessage> CallAsync(HttpClient client) =>
        await client.PostAsync("/v1/chat/completions", new StringContent("""{"model":"test/model","messages":[{"role":"user","content":"hi"}],"max_tokens":8}"""));

    private static async Task<CreatedApiKey> KeyAsync(GatewayServer gateway, string team) =>
        await gateway.ApiKeys.CreateAsync(new MaasUser("alice", ["system:authenticated"]), new ApiKeyRequest { Name = "k-" + team, Labels = new Dictionary<string, string> { ["team"] = team } });

    [Fact]
    public async Task Calls_end_up_in_the_ledger_with_the_upstreams_usage_per_credential_label_and_outcome()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, o => SmallTier(o, requests: 3));
        var search = await KeyAsync(gateway, "search");
        var chat = await KeyAsync(gateway, "chat");
        using var searchClient = gateway.Client(search.Key);
        using var chatClient = gateway.Client(chat.Key);
        using var tokenClient = gateway.Client(await gateway.TokenAsync());

        upstream.NextUsage = 10;
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(searchClient)).StatusCode);
        upstream.NextUsage = 7;
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(searchClient)).StatusCode);
        upstream.NextUsage = 4;
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(tokenClient)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(chatClient)).StatusCode);
        Assert.True(await gateway.Services.GetRequiredService<UsageLedgerWriter>().FlushAsync(CancellationToken.None));

        var ledger = gateway.Services.GetRequiredService<IUsageLedger>();
        var byKey = await ledger.QueryAsync(Query(gateway));
        var byTeam = await ledger.QueryAsync(Query(gateway, UsageGrouping.Label, "team"));
        var byModel = await ledger.QueryAsync(Query(gateway, UsageGrouping.Model));

        var day = new DateTimeOffset(2026, 11, 26, 0, 0, 0, TimeSpan.Zero);
        Assert.Equal(
            new[]
            {
                new UsageBucket { Start = day, Group = chat.Record.Id, Requests = 1, LimitedRequests = 1 },
                new UsageBucket { Start = day, Group = search.Record.Id, Requests = 2, PromptTokens = 5 + 3, CompletionTokens = 5 + 4 },
                new UsageBucket { Start = day, Group = UsageIncrement.TokenCredential, Requests = 1, PromptTokens = 2, CompletionTokens = 2 },
            }.OrderBy(b => b.Group, StringComparer.Ordinal),
            byKey);
        Assert.Equal([(null, 1L), ("chat", 1L), ("search", 2L)], byTeam.Select(b => (b.Group, b.Requests)));
        var model = Assert.Single(byModel);
        Assert.Equal((GatewayServer.ModelId, 4L, 1L, 21L), (model.Group, model.Requests, model.LimitedRequests, model.TotalTokens));
    }

    [Fact]
    public async Task A_call_the_upstream_fails_is_recorded_as_an_upstream_error_without_tokens()
    {
        // Port 9 (discard) on loopback: nothing listens, so the forward fails and the gateway answers 502.
        await using var gateway = await GatewayServer.StartAsync(new Uri("http://127.0.0.1:9/"));
        using var client = gateway.Client(await gateway.TokenAsync());

        Assert.Equal(HttpStatusCode.BadGateway, (await CallAsync(client)).StatusCode);
        await gateway.Services.GetRequiredService<UsageLedgerWriter>().FlushAsync(CancellationToken.None);

        var bucket = Assert.Single(await gateway.Services.GetRequiredService<IUsageLedger>().QueryAsync(Query(gateway)));
        Assert.Equal(new UsageBucket { Start = bucket.Start, Group = UsageIncrement.TokenCredential, Requests = 1, FailedRequests = 1 }, bucket);
    }

    [Fact]
    public async Task The_fake_clocks_tick_writes_what_was_counted_within_the_flush_interval()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        using var client = gateway.Client(await gateway.TokenAsync());
        var ledger = gateway.Services.GetRequiredService<IUsageLedger>();
        var flushed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gateway.Services.GetRequiredService<UsageLedgerWriter>().Flushed += () => flushed.TrySetResult();

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(client)).StatusCode);
        Assert.Empty(await ledger.QueryAsync(Query(gateway)));
        gateway.Clock.Advance(TimeSpan.FromSeconds(1));
        await flushed.Task.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(1, Assert.Single(await ledger.QueryAsync(Query(gateway))).Requests);
    }

    [Fact]
    public async Task A_graceful_stop_writes_every_call_counted()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        var gateway = await GatewayServer.StartAsync(upstream.BaseAddress);
        var ledger = gateway.Services.GetRequiredService<IUsageLedger>();
        using (var client = gateway.Client(await gateway.TokenAsync()))
        {
            for (var i = 0; i < 5; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await CallAsync(client)).StatusCode);
            }
        }

        var query = Query(gateway);
        await gateway.DisposeAsync();

        var bucket = Assert.Single(await ledger.QueryAsync(query));
        Assert.Equal((5L, 25L), (bucket.Requests, bucket.TotalTokens));
    }

    [Fact]
    public async Task A_store_outage_keeps_the_counts_and_the_recovery_writes_them_once()
    {
        await using var upstream = await BillingUpstream.StartAsync();
        var flaky = new FlakyLedger();
        await using var gateway = await GatewayServer.StartAsync(upstream.BaseAddress, builderConfigure: b => b.Services.Replace(ServiceDescriptor.Singleton<IUsageLedger>(sp =>
        {
            flaky.Inner = (IUsageLedger)sp.GetRequiredService<IKeyStore>();
            return flaky;
        })));
        var writer = gateway.Services.GetRequiredService<UsageLedgerWriter>();
        using var client = gateway.Client(await gateway.TokenAsync());

        // Down: the first batch stays pending, later calls keep counting.
        flaky.Down = true;
        await CallAsync(client);
        Assert.False(await writer.FlushAsync(CancellationToken.None));
        await CallAsync(client);
        Assert.False(await writer.FlushAsync(CancellationToken.None));

        // The commit goes through but its answer is lost: the batch is sent again, and applied once.
        flaky.Down = false;
        flaky.LoseNextAnswer = true;
        Assert.False(await writer.FlushAsync(CancellationToken.None));
        await CallAsync(client);
        Assert.True(await writer.FlushAsync(CancellationToken.None));

        var bucket = Assert.Single(await flaky.Inner.QueryAsync(Query(gateway)));
        Assert.Equal((3L, 15L), (bucket.Requests, bucket.TotalTokens));
    }

    /// <summary>A ledger that is down, or that applies a batch and then fails as a lost connection would.</summary>
    private sealed class FlakyLedger : IUsageLedger
    {
        public IUsageLedger Inner { get; set; } = null!;

        public bool Down { get; set; }

        public bool LoseNextAnswer { get; set; }

        public async ValueTask<bool> AppendAsync(UsageBatch batch, CancellationToken cancellationToken = default)
        {
            if (Down)
            {
                throw new StoreUnavailableException("The ledger's store is down (test).");
            }

            var applied = await Inner.AppendAsync(batch, cancellationToken);
            if (LoseNextAnswer)
            {
                LoseNextAnswer = false;
                throw new StoreUnavailableException("The connection was lost at commit (test).");
            }

            return applied;
        }

        public ValueTask<IReadOnlyList<UsageBucket>> QueryAsync(UsageQuery query, CancellationToken cancellationToken = default) => Inner.QueryAsync(query, cancellationToken);

        public ValueTask<long> DeleteBeforeAsync(DateTimeOffset before, CancellationToken cancellationToken = default) => Inner.DeleteBeforeAsync(before, cancellationToken);

        public ValueTask<UsageReportPage> ReportAsync(UsageReportQuery query, CancellationToken cancellationToken = default) => Inner.ReportAsync(query, cancellationToken);
    }
}
